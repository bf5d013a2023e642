{{/*
Names, labels and the pieces every pod shares (security context, environment, volumes). A component's settings are
`.Values.defaults` with `.Values.components.<name>` merged over them ("highway.component").
*/}}

{{- define "highway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "highway.fullname" -}}
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

{{/* The services, in a fixed order so renders are deterministic. */}}
{{- define "highway.componentNames" -}}
api worker scheduler timeout audit operator
{{- end -}}

{{- define "highway.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "highway.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "highway.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "highway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "highway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "highway.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: highway
{{- end -}}

{{/* Call with (dict "root" $ "component" "worker"). */}}
{{- define "highway.componentLabels" -}}
{{ include "highway.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Stable across upgrades: never add the version here (selectors are immutable). */}}
{{- define "highway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "highway.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "highway.componentFullname" -}}
{{- printf "%s-%s" (include "highway.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "highway.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- include "highway.componentFullname" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{/* The defaults with the component's overrides merged over them, as YAML (read back with fromYaml). */}}
{{- define "highway.component" -}}
{{- $overrides := index .root.Values.components .component | default dict -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $overrides)) -}}
{{- end -}}

{{/* The database URL without the password: libpq reads it from PGPASSWORD. */}}
{{- define "highway.databaseUrl" -}}
{{- $db := .Values.database -}}
{{- printf "postgresql://%s@%s:%v/%s?sslmode=%s" (urlquery $db.user) $db.host $db.port $db.name $db.sslMode -}}
{{- end -}}

{{/* The URL the migration Job connects with: the schema owner's when one is set (migrations.owner), else the services'. */}}
{{- define "highway.migrationDatabaseUrl" -}}
{{- $db := .Values.database -}}
{{- $user := .Values.migrations.owner.user | default $db.user -}}
{{- printf "postgresql://%s@%s:%v/%s?sslmode=%s" (urlquery $user) $db.host $db.port $db.name $db.sslMode -}}
{{- end -}}

{{/* The migration Job's PGPASSWORD: from the owner's Secret when an owner is set. */}}
{{- define "highway.migrationPassword" -}}
{{- $owner := .Values.migrations.owner -}}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      {{- if $owner.user }}
      name: {{ $owner.existingSecret }}
      key: {{ $owner.passwordKey }}
      {{- else }}
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.passwordKey }}
      {{- end }}
{{- end -}}

{{- define "highway.secretsFilePath" -}}
/var/run/highway/secrets/{{ .Values.secrets.file.key }}
{{- end -}}

{{/* Environment every engine container gets: mode, config file, database, scratch, secret provider. */}}
{{- define "highway.baseEnv" -}}
- name: HWE_ENV
  value: production
- name: HWE_CONFIG
  value: /etc/highway/config.ini
- name: HWE_STATE_DIR
  value: /var/lib/highway
- name: HWE_DATABASE_URL
  value: {{ include "highway.databaseUrl" . | quote }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.passwordKey }}
- name: HWE_SECRETS_PROVIDER
  value: {{ .Values.secrets.provider }}
{{- if eq .Values.secrets.provider "vault" }}
- name: HWE_VAULT_ADDR
  value: {{ .Values.secrets.vault.addr | quote }}
- name: HWE_VAULT_MOUNT
  value: {{ .Values.secrets.vault.mount | quote }}
- name: HWE_VAULT_AUTH_METHOD
  value: kubernetes
- name: HWE_VAULT_ROLE
  value: {{ .Values.secrets.vault.role | quote }}
- name: HWE_VAULT_AUTH_MOUNT
  value: {{ .Values.secrets.vault.authMount | quote }}
- name: HWE_VAULT_TOKEN_PATH
  value: {{ .Values.secrets.vault.tokenPath | quote }}
{{- else }}
- name: HWE_SECRETS_FILE
  value: {{ include "highway.secretsFilePath" . }}
{{- end }}
{{- end -}}

{{/* Scratch volumes (the root filesystem is read-only) and the secret provider's volume. */}}
{{- define "highway.baseVolumes" -}}
- name: tmp
  emptyDir: {}
- name: state
  emptyDir: {}
{{- if eq .Values.secrets.provider "vault" }}
- name: vault-token
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .Values.secrets.vault.audience }}
          expirationSeconds: {{ .Values.secrets.vault.tokenExpirationSeconds }}
          path: {{ base .Values.secrets.vault.tokenPath }}
{{- else }}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.file.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.secrets.file.key }}
        path: {{ .Values.secrets.file.key }}
{{- end }}
{{- end -}}

{{- define "highway.baseVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: state
  mountPath: /var/lib/highway
{{- if eq .Values.secrets.provider "vault" }}
- name: vault-token
  mountPath: {{ dir .Values.secrets.vault.tokenPath }}
  readOnly: true
{{- else }}
- name: secrets
  mountPath: /var/run/highway/secrets
  readOnly: true
{{- end }}
{{- end -}}

{{/* A component's topology spread constraints; those without a labelSelector select the component's pods. */}}
{{- define "highway.topologySpread" -}}
{{- $selector := dict "matchLabels" (include "highway.selectorLabels" (dict "root" .root "component" .component) | fromYaml) -}}
{{- $constraints := list -}}
{{- range .constraints -}}
{{- $constraints = append $constraints (merge (deepCopy .) (dict "labelSelector" $selector)) -}}
{{- end -}}
{{- toYaml $constraints -}}
{{- end -}}

{{/* A Job name that changes with the image, so an upgrade creates a new Job (Jobs are immutable). */}}
{{- define "highway.migrationJobName" -}}
{{- if .Values.migrations.useHelmHooks -}}
{{- printf "%s-migrate" (include "highway.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $version := regexReplaceAll "[^a-z0-9-]" (lower (.Values.image.digest | default (include "highway.imageTag" .)) | replace "sha256:" "") "-" | trunc 20 | trimSuffix "-" -}}
{{- printf "%s-migrate-%s" (include "highway.fullname" . | trunc 42 | trimSuffix "-") $version | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
