#!/usr/bin/env node
/**
 * The kubectl plugin: kubectl runs `kubectl-lunettes <args>` for `kubectl lunettes <args>`, so
 * `kubectl lunettes debugpod NAME -n NS` is `lunettes debugpod NAME -n NS`.
 */
import './cli.ts'
