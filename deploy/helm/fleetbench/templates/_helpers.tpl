{{/* Chart name. */}}
{{- define "fleetbench.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name of every object. */}}
{{- define "fleetbench.fullname" -}}
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

{{- define "fleetbench.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "fleetbench.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: include with (dict "root" $ "component" "hub"). */}}
{{- define "fleetbench.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fleetbench.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "fleetbench.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fleetbench.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "fleetbench.hubImage" -}}
{{- printf "%s:%s" .Values.image.hub.repository (default .Chart.AppVersion .Values.image.hub.tag) -}}
{{- end -}}

{{- define "fleetbench.dashboardImage" -}}
{{- printf "%s:%s" .Values.image.dashboard.repository (default .Chart.AppVersion .Values.image.dashboard.tag) -}}
{{- end -}}

{{/* FLEETBENCH_PUBLIC_URL: hub.publicUrl, else the ingress host. */}}
{{- define "fleetbench.publicUrl" -}}
{{- if .Values.hub.publicUrl -}}
{{- .Values.hub.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.ingress.tlsSecretName))) .Values.ingress.host -}}
{{- else -}}
{{- required "set hub.publicUrl: the URL devices and browsers reach the hub on (or enable the ingress)" .Values.hub.publicUrl -}}
{{- end -}}
{{- end -}}

{{- define "fleetbench.hubUrl" -}}
{{- printf "http://%s-hub:%v" (include "fleetbench.fullname" .) .Values.hub.service.port -}}
{{- end -}}

{{- define "fleetbench.externalMqtt" -}}
{{- if or .Values.mqtt.url .Values.mqtt.existingSecret }}true{{ end -}}
{{- end -}}

{{- define "fleetbench.externalDatabase" -}}
{{- if or .Values.database.url .Values.database.existingSecret }}true{{ end -}}
{{- end -}}

{{- define "fleetbench.externalRedis" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret }}true{{ end -}}
{{- end -}}

{{/*
One secret environment variable: from the Secret you named (existingSecret/key), else from the chart's Secret when a
value is set, else nothing. Include with (dict "name" ENV "existingSecret" .. "key" .. "value" .. "chartKey" ..
"root" $).
*/}}
{{- define "fleetbench.secretEnv" -}}
{{- if .existingSecret }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .key }}
{{- else if .value }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "fleetbench.fullname" .root }}
      key: {{ .chartKey }}
{{- end }}
{{- end -}}

{{/* Checks of combinations that cannot work. */}}
{{- define "fleetbench.validate" -}}
{{- if gt (int .Values.hub.replicaCount) 1 -}}
{{- if not (include "fleetbench.externalMqtt" .) -}}
{{- fail "hub.replicaCount > 1 needs an external broker (mqtt.url or mqtt.existingSecret): the embedded broker serves one hub" -}}
{{- end -}}
{{- if not (include "fleetbench.externalDatabase" .) -}}
{{- fail "hub.replicaCount > 1 needs an external PostgreSQL (database.url or database.existingSecret): the embedded database serves one hub" -}}
{{- end -}}
{{- if not (include "fleetbench.externalRedis" .) -}}
{{- fail "hub.replicaCount > 1 needs Redis (redis.url or redis.existingSecret) so socket.io reaches every browser" -}}
{{- end -}}
{{- if not (and .Values.hub.persistence.enabled (has "ReadWriteMany" .Values.hub.persistence.accessModes)) -}}
{{- fail "hub.replicaCount > 1 needs hub.persistence with accessModes [ReadWriteMany]: every replica serves the artifact store" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.mqtt.ensureHubAccount (not (include "fleetbench.externalMqtt" .)) -}}
{{- fail "mqtt.ensureHubAccount needs an external Mosquitto (mqtt.url or mqtt.existingSecret)" -}}
{{- end -}}
{{- end -}}
