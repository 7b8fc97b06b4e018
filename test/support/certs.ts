import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** PEM files of a throwaway CA, a server certificate for 127.0.0.1/localhost and client ones. */
export interface TestCerts {
  readonly ca: string
  readonly serverCert: string
  readonly serverKey: string
  /** Client certificate and key by common name. */
  readonly clients: Record<string, { cert: string; key: string }>
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir })
}

/** Makes a CA (EC P-256, 1 day) and certificates it signed, with openssl, into `dir`. */
export async function makeCerts(dir: string, clientNames: readonly string[]): Promise<TestCerts> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=lunettes-test-ca',
  )
  const sign = async (name: string, ext: string) => {
    await writeFile(join(dir, `${name}.ext`), ext)
    await openssl(
      dir,
      'req',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    )
    await openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    )
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }
  }
  const server = await sign(
    'server',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  )
  const clients: Record<string, { cert: string; key: string }> = {}
  for (const name of clientNames) {
    clients[name] = await sign(name, 'extendedKeyUsage=clientAuth\n')
  }
  return { ca: join(dir, 'ca.pem'), serverCert: server.cert, serverKey: server.key, clients }
}
