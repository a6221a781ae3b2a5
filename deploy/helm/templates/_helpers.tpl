{{/* The chart's name. */}}
{{- define "tabiji.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name, the prefix of every object's name. */}}
{{- define "tabiji.fullname" -}}
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

{{/* Labels of every object. */}}
{{- define "tabiji.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tabiji.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that pick the release's pods (the migrate Job's too). */}}
{{- define "tabiji.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tabiji.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The image of every container. */}}
{{- define "tabiji.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The existing Secret holding Tabiji's secrets. */}}
{{- define "tabiji.secret" -}}
{{- default (include "tabiji.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* A variable from the existing Secret: (list $ NAME optional). */}}
{{- define "tabiji.secretEnv" -}}
{{- $root := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tabiji.secret" $root }}
      key: {{ index . 1 }}
      {{- if index . 2 }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Postgres, for every command. */}}
{{- define "tabiji.databaseEnv" -}}
{{ include "tabiji.secretEnv" (list . "DATABASE_URL" false) }}
- name: TABIJI_LOG_LEVEL
  value: {{ .Values.log.level | quote }}
- name: TABIJI_LOG_FORMAT
  value: {{ .Values.log.format | quote }}
{{- end -}}

{{/*
The variables api and worker both read: Postgres, Temporal (self-hosted or
Cloud), the secrets, metrics, traces and the operator's own.
*/}}
{{- define "tabiji.serverEnv" -}}
{{ include "tabiji.databaseEnv" . }}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: TABIJI_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS_CERT
  value: /etc/tabiji/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/tabiji/temporal-tls/tls.key
{{- if .caKey }}
- name: TEMPORAL_TLS_CA
  value: /etc/tabiji/temporal-tls/ca.crt
{{- end }}
{{- end }}
{{- if .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .serverName | quote }}
{{- end }}
{{- end }}
{{- if .Values.temporal.apiKey.enabled }}
{{ include "tabiji.secretEnv" (list . "TEMPORAL_API_KEY" false) }}
{{- end }}
{{ include "tabiji.secretEnv" (list . "TABIJI_SECRETS_KEY" false) }}
{{- range list "TABIJI_SECRETS_KEY_PREVIOUS" "TABIJI_UNSUBSCRIBE_SECRET" "SENDGRID_API_KEY" "SENDGRID_WEBHOOK_PUBLIC_KEY" "LINE_CHANNEL_ACCESS_TOKEN" "LINE_CHANNEL_SECRET" "TWILIO_ACCOUNT_SID" "TWILIO_AUTH_TOKEN" }}
{{ include "tabiji.secretEnv" (list $ . true) }}
{{- end }}
{{- if .Values.fcm.credentialsKey }}
- name: FCM_CREDENTIALS_FILE
  value: /etc/tabiji/fcm/credentials.json
{{- end }}
- name: TABIJI_METRICS_ADDR
  value: {{ printf ":%v" .Values.metrics.port | quote }}
{{- with .Values.otel }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
{{- if .protocol }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .protocol | quote }}
{{- end }}
{{- if .sampler }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .sampler | quote }}
{{- end }}
{{- if .samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .samplerArg | quote }}
{{- end }}
{{ include "tabiji.secretEnv" (list $ "OTEL_EXPORTER_OTLP_HEADERS" true) }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),service.instance.id=$(POD_NAME)"
{{- end }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The files api and worker read: Temporal's client certificate, FCM's key. */}}
{{- define "tabiji.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/tabiji/temporal-tls
  readOnly: true
{{- end }}
{{- if .Values.fcm.credentialsKey }}
- name: fcm
  mountPath: /etc/tabiji/fcm
  readOnly: true
{{- end }}
{{- end -}}

{{- define "tabiji.volumes" -}}
- name: tmp
  emptyDir: {}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret is required with temporal.tls.enabled" .existingSecret }}
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      {{- if .caKey }}
      - key: {{ .caKey }}
        path: ca.crt
      {{- end }}
{{- end }}
{{- end }}
{{- if .Values.fcm.credentialsKey }}
- name: fcm
  secret:
    secretName: {{ include "tabiji.secret" . }}
    items:
      - key: {{ .Values.fcm.credentialsKey }}
        path: credentials.json
{{- end }}
{{- end -}}

{{/* What every pod shares: account, pull secrets, security. */}}
{{- define "tabiji.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* The label of the pods that serve metrics (not the migrate Job's). */}}
{{- define "tabiji.metricsLabel" -}}
tabiji-metrics: "true"
{{- end -}}
