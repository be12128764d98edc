{{/* Names and labels shared by every template. */}}
{{- define "cco.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cco.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cco.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cco.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cco.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cco.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cco.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "cco.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The operator's rules in a watched namespace, verb by verb: files/rbac-rules.yaml. */}}
{{- define "cco.rules" -}}
{{ .Files.Get "files/rbac-rules.yaml" }}
{{- end -}}

{{/* The gateway (ADR 12): its own names and pod labels, so that no selector of the operator's matches its pods. */}}
{{- define "cco.gateway.fullname" -}}
{{- printf "%s-gateway" (include "cco.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "cco.gateway.serviceAccountName" -}}
{{- if .Values.gateway.serviceAccount.create -}}
{{- default (include "cco.gateway.fullname" .) .Values.gateway.serviceAccount.name -}}
{{- else -}}
{{- required "gateway.serviceAccount.name is required when gateway.serviceAccount.create is false" .Values.gateway.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cco.gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cco.name" . }}-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cco.gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "cco.gateway.selectorLabels" . }}
app.kubernetes.io/component: gateway
app.kubernetes.io/part-of: {{ include "cco.name" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The gateway's RBAC, verb by verb: files/gateway-rbac-rules.yaml (also read by cdk8s/install.ts). */}}
{{- define "cco.gateway.rules" -}}
{{- $rules := .Files.Get "files/gateway-rbac-rules.yaml" | fromYaml -}}
{{- toYaml (index $rules .part) -}}
{{- end -}}

{{/* FolderSync (ADR 15): the image of the sync Jobs (--sync-image), also rendered into the admission policy that fences them. */}}
{{- define "cco.folderSync.image" -}}
{{- $image := .Values.folderSync.image -}}
{{- printf "%s:%s" ($image.repository | default .Values.image.repository) ($image.tag | default .Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The gateway's in-cluster URL for the sync Jobs (--gateway-url): folderSync.gatewayUrl, else the chart's gateway Service; empty without either. */}}
{{- define "cco.folderSync.gatewayUrl" -}}
{{- if .Values.folderSync.gatewayUrl -}}
{{- .Values.folderSync.gatewayUrl -}}
{{- else if .Values.gateway.enabled -}}
{{- printf "https://%s.%s.svc" (include "cco.gateway.fullname" .) .Release.Namespace -}}
{{- if ne (int .Values.gateway.service.port) 443 }}:{{ .Values.gateway.service.port }}{{ end -}}
{{- end -}}
{{- end -}}
