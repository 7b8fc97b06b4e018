{{- define "lunettes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lunettes.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "lunettes.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: lunettes
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{ include "lunettes.selectorLabels" . }}
{{- end -}}

{{- define "lunettes.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lunettes.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lunettes.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "lunettes.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "lunettes.fullname" .)) -}}
{{- end -}}

{{- define "lunettes.tlsSecretName" -}}
{{- .Values.gateway.tls.existingSecret | default (printf "%s-gateway-tls" (include "lunettes.fullname" .)) -}}
{{- end -}}

{{- define "lunettes.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "lunettes.fullname" . }}-nats:4222
{{- else -}}
{{- required "externalNats.url is required when nats.enabled is false" .Values.externalNats.url -}}
{{- end -}}
{{- end -}}

{{- define "lunettes.otlpEndpoint" -}}
{{- if .Values.jaeger.enabled -}}
http://{{ include "lunettes.fullname" . }}-jaeger:4318
{{- else -}}
{{- .Values.externalJaeger.otlpEndpoint -}}
{{- end -}}
{{- end -}}

{{/*
NATS connection env of a role: (dict "ctx" $ "role" "gateway"|"collector"|"actors"). The bundled
NATS gives each role its own user with only the subjects it needs (docs/NATS-PERMISSIONS.md), so a
leaked gateway credential cannot forge partition leases.
*/}}
{{- define "lunettes.natsEnv" -}}
{{- $role := .role -}}
{{- with .ctx -}}
- name: NATS_URL
  value: {{ include "lunettes.natsUrl" . | quote }}
- name: LUNETTES_STREAM_REPLICAS
  value: {{ .Values.nats.streamReplicas | quote }}
{{- if .Values.nats.enabled }}
- name: NATS_USER
  value: {{ $role | quote }}
- name: NATS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ include "lunettes.secretName" . }}, key: {{ printf "nats-password-%s" $role }} }
{{- else if .Values.externalNats.existingSecret }}
{{- $s := .Values.externalNats.existingSecret }}
- name: NATS_USER
  valueFrom:
    secretKeyRef: { name: {{ $s }}, key: user, optional: true }
- name: NATS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $s }}, key: password, optional: true }
- name: NATS_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ $s }}, key: token, optional: true }
{{- if .Values.externalNats.creds }}
- name: NATS_CREDS
  value: /etc/lunettes/nats/creds
{{- end }}
{{- if .Values.externalNats.tls }}
- name: NATS_CA
  value: /etc/lunettes/nats/ca.crt
- name: NATS_CERT
  value: /etc/lunettes/nats/tls.crt
- name: NATS_KEY
  value: /etc/lunettes/nats/tls.key
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* Redis connection env of the roles that use the store. */}}
{{- define "lunettes.redisEnv" -}}
{{- if .Values.redis.enabled }}
- name: REDIS_URL
  value: "redis://{{ include "lunettes.fullname" . }}-redis:6379"
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ include "lunettes.secretName" . }}, key: redis-password }
{{- else }}
{{- $r := .Values.externalRedis }}
{{- if $r.url }}
- name: REDIS_URL
  value: {{ $r.url | quote }}
{{- else if $r.sentinels }}
- name: REDIS_SENTINELS
  value: {{ join "," $r.sentinels | quote }}
- name: REDIS_SENTINEL_NAME
  value: {{ required "externalRedis.sentinelName is required with sentinels" $r.sentinelName | quote }}
{{- else if $r.clusterNodes }}
- name: REDIS_CLUSTER_NODES
  value: {{ join "," $r.clusterNodes | quote }}
{{- else }}
{{- fail "redis.enabled is false: set externalRedis.url, externalRedis.sentinels or externalRedis.clusterNodes" }}
{{- end }}
{{- if $r.username }}
- name: REDIS_USERNAME
  value: {{ $r.username | quote }}
{{- end }}
{{- if $r.existingSecret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $r.existingSecret }}, key: password, optional: true }
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $r.existingSecret }}, key: sentinel-password, optional: true }
{{- if $r.tls }}
- name: REDIS_CA
  value: /etc/lunettes/redis/ca.crt
- name: REDIS_CERT
  value: /etc/lunettes/redis/tls.crt
- name: REDIS_KEY
  value: /etc/lunettes/redis/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Env every role shares: partitions, logs, config files, metrics. */}}
{{- define "lunettes.commonEnv" -}}
- name: LUNETTES_PARTITIONS
  value: {{ .Values.partitions | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: LUNETTES_METRICS_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ include "lunettes.secretName" . }}, key: metrics-token }
{{- if .Values.sloConfig }}
- name: LUNETTES_SLO_CONFIG
  value: /etc/lunettes/config/lunettes-config
{{- end }}
{{- if .Values.spanConfig }}
- name: LUNETTES_SPAN_CONFIG
  value: /etc/lunettes/config/span-config
{{- end }}
{{- end -}}

{{/* Volumes every role of ours mounts: config, a writable /tmp, external NATS/Redis files. */}}
{{- define "lunettes.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "lunettes.fullname" . }}-config
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- if and (not .Values.nats.enabled) .Values.externalNats.existingSecret }}
- name: nats-files
  secret:
    secretName: {{ .Values.externalNats.existingSecret }}
    optional: true
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret }}
- name: redis-files
  secret:
    secretName: {{ .Values.externalRedis.existingSecret }}
    optional: true
{{- end }}
{{- end -}}

{{- define "lunettes.commonMounts" -}}
- name: config
  mountPath: /etc/lunettes/config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if and (not .Values.nats.enabled) .Values.externalNats.existingSecret }}
- name: nats-files
  mountPath: /etc/lunettes/nats
  readOnly: true
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret }}
- name: redis-files
  mountPath: /etc/lunettes/redis
  readOnly: true
{{- end }}
{{- end -}}

{{/* Probes of our roles on a port: liveness /healthz, readiness /readyz. */}}
{{- define "lunettes.probes" -}}
livenessProbe:
  httpGet: { path: /healthz, port: {{ .port }}, scheme: {{ .scheme | default "HTTP" }} }
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 6
readinessProbe:
  httpGet: { path: /readyz, port: {{ .port }}, scheme: {{ .scheme | default "HTTP" }} }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{- define "lunettes.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The publish/subscribe allow-lists of a role on the bundled NATS, as nats.conf JSON arrays. */}}
{{- define "lunettes.natsPermissions" -}}
{{- $js := "$JS.API" -}}
{{- $ensure := list -}}
{{- range $s := list "LUNETTES_SIGNALS" "LUNETTES_ALERTS" -}}
{{- $ensure = concat $ensure (list (printf "%s.STREAM.INFO.%s" $js $s) (printf "%s.STREAM.CREATE.%s" $js $s) (printf "%s.STREAM.UPDATE.%s" $js $s)) -}}
{{- end -}}
{{- $kv := dict -}}
{{- range $b := list "lunettes-leases" "lunettes-collector-leases" -}}
{{- $_ := set $kv $b (list (printf "%s.STREAM.INFO.KV_%s" $js $b) (printf "%s.STREAM.CREATE.KV_%s" $js $b) (printf "%s.STREAM.UPDATE.KV_%s" $js $b) (printf "%s.DIRECT.GET.KV_%s.>" $js $b) (printf "%s.STREAM.MSG.GET.KV_%s" $js $b) (printf "$KV.%s.>" $b)) -}}
{{- end -}}
{{- $perms := dict
  "gateway" (dict
    "publish" (concat (list (printf "%s.INFO" $js)) $ensure (list "lunettes.signals.*" "lunettes.query.>" (printf "%s.CONSUMER.CREATE.LUNETTES_ALERTS" $js) (printf "%s.CONSUMER.CREATE.LUNETTES_ALERTS.>" $js) (printf "%s.CONSUMER.INFO.LUNETTES_ALERTS.*" $js) (printf "%s.CONSUMER.DELETE.LUNETTES_ALERTS.*" $js) (printf "%s.CONSUMER.MSG.NEXT.LUNETTES_ALERTS.*" $js) "$JS.FC.>"))
    "subscribe" (list "_INBOX.>"))
  "collector" (dict
    "publish" (concat (list (printf "%s.INFO" $js)) $ensure (list "lunettes.signals.*") (get $kv "lunettes-collector-leases"))
    "subscribe" (list "_INBOX.>"))
  "actors" (dict
    "publish" (concat (list (printf "%s.INFO" $js)) $ensure (list (printf "%s.STREAM.PURGE.LUNETTES_SIGNALS" $js) (printf "%s.CONSUMER.INFO.LUNETTES_SIGNALS.*" $js) (printf "%s.CONSUMER.CREATE.LUNETTES_SIGNALS.>" $js) (printf "%s.CONSUMER.DURABLE.CREATE.LUNETTES_SIGNALS.*" $js) (printf "%s.CONSUMER.MSG.NEXT.LUNETTES_SIGNALS.*" $js) "$JS.ACK.LUNETTES_SIGNALS.>" "lunettes.alerts.>" (printf "%s.STREAM.INFO.LUNETTES_DEADLETTER" $js) (printf "%s.STREAM.CREATE.LUNETTES_DEADLETTER" $js) (printf "%s.STREAM.UPDATE.LUNETTES_DEADLETTER" $js) "lunettes.deadletter.*") (get $kv "lunettes-leases") (list "_INBOX.>"))
    "subscribe" (list "_INBOX.>" "lunettes.query.>"))
-}}
{{- $p := get $perms .role -}}
publish: { allow: [{{ range $i, $v := $p.publish }}{{ if $i }}, {{ end }}{{ $v | quote }}{{ end }}] }, subscribe: { allow: [{{ range $i, $v := $p.subscribe }}{{ if $i }}, {{ end }}{{ $v | quote }}{{ end }}] }
{{- end -}}
