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

{{/*
What the operator does in a watched namespace, verb by verb (docs/adr/0007). It also holds every
permission it grants to teams and managers (get/watch on token Secrets and access ConfigMaps, get on
credentials, get/update/patch on AccessLists), so it needs neither `bind` nor `escalate`.
*/}}
{{- define "cco.rules" -}}
- apiGroups: ["cloudcredentials.io"]
  resources: ["microsoftcredentials"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["cloudcredentials.io"]
  resources: ["microsoftcredentials/status", "accesslists/status"]
  verbs: ["update"]
- apiGroups: ["cloudcredentials.io"]
  resources: ["accesslists"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
{{- end -}}
