package main_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/pollhook/pollhook/config"
)

// kubeDir holds the Kubernetes manifests, applied with kubectl apply -k.
var kubeDir = filepath.Join("deploy", "kubernetes")

// manifest is one parsed Kubernetes object, with the file it came from.
type manifest struct {
	file string
	obj  map[string]any
}

// loadManifests parses every YAML document of every file in kubeDir.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	entries, err := os.ReadDir(kubeDir)
	if err != nil {
		t.Fatal(err)
	}
	var all []manifest
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(kubeDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var obj map[string]any
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if obj != nil {
				all = append(all, manifest{file: e.Name(), obj: obj})
			}
		}
	}
	return all
}

// dig walks a parsed document along keys (map keys, or list indexes
// written as numbers) and returns what it finds there, nil if nothing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// str is dig of a string, "" when it is not one.
func str(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

// list is dig of a list.
func list(v any, keys ...string) []any {
	l, _ := dig(v, keys...).([]any)
	return l
}

// strs is dig of a list of strings.
func strs(v any, keys ...string) []string {
	var out []string
	for _, x := range list(v, keys...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// subset reports whether every label of sel is in labels, and sel is not
// empty (an empty selector selects everything).
func subset(sel, labels any) bool {
	s, _ := sel.(map[string]any)
	l, _ := labels.(map[string]any)
	if len(s) == 0 {
		return false
	}
	for k, v := range s {
		if l[k] != v {
			return false
		}
	}
	return true
}

// TestKubernetesManifests checks the manifests of deploy/kubernetes for
// what running pollhook's shards as a StatefulSet needs, and loads the
// ConfigMap's pollhook.toml with the real configuration reader, so that a
// wrong key or a mismatch between the config and the manifests fails here
// rather than in a cluster.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	all := loadManifests(t)
	byKind := map[string]map[string]any{}
	for _, m := range all {
		kind := str(m.obj, "kind")
		if _, dup := byKind[kind]; dup {
			t.Errorf("%s: a second %s", m.file, kind)
		}
		byKind[kind] = m.obj
	}
	for kind, api := range map[string]string{
		"Kustomization":       "kustomize.config.k8s.io/v1beta1",
		"StatefulSet":         "apps/v1",
		"Service":             "v1",
		"ConfigMap":           "v1",
		"Secret":              "v1",
		"PodDisruptionBudget": "policy/v1",
		"ServiceMonitor":      "monitoring.coreos.com/v1",
	} {
		obj, ok := byKind[kind]
		if !ok {
			t.Errorf("no %s in %s", kind, kubeDir)
			continue
		}
		if got := str(obj, "apiVersion"); got != api {
			t.Errorf("%s: apiVersion %q, want %q", kind, got, api)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	kust, sts, svc := byKind["Kustomization"], byKind["StatefulSet"], byKind["Service"]
	cm, secret, pdb, sm := byKind["ConfigMap"], byKind["Secret"], byKind["PodDisruptionBudget"], byKind["ServiceMonitor"]

	t.Run("kustomization lists every file", func(t *testing.T) {
		var files []string
		for _, m := range all {
			if m.file != "kustomization.yaml" && !slices.Contains(files, m.file) {
				files = append(files, m.file)
			}
		}
		res := strs(kust, "resources")
		slices.Sort(files)
		slices.Sort(res)
		if !slices.Equal(files, res) {
			t.Errorf("kustomization.yaml resources %q, the directory has %q", res, files)
		}
		if name := str(kust, "images", "0", "name"); name == "" || name != str(sts, "spec", "template", "spec", "containers", "0", "image") {
			t.Errorf("kustomization.yaml images[0].name %q is not the container's image", name)
		}
	})

	spec := dig(sts, "spec", "template", "spec")
	podLabels := dig(sts, "spec", "template", "metadata", "labels")
	ctr := dig(spec, "containers", "0")

	t.Run("statefulset", func(t *testing.T) {
		if got := str(sts, "spec", "podManagementPolicy"); got != "Parallel" {
			t.Errorf("podManagementPolicy %q, want Parallel", got)
		}
		if !subset(dig(sts, "spec", "selector", "matchLabels"), podLabels) {
			t.Errorf("selector %v does not match the pod labels %v", dig(sts, "spec", "selector", "matchLabels"), podLabels)
		}
		if got, want := str(sts, "spec", "serviceName"), str(svc, "metadata", "name"); got == "" || got != want {
			t.Errorf("serviceName %q, want the Service %q", got, want)
		}
		if got := strs(ctr, "args"); !slices.Equal(got, []string{"run", "--config", "/etc/pollhook/pollhook.toml"}) {
			t.Errorf("args %q", got)
		}
		for _, kind := range []string{"requests", "limits"} {
			for _, r := range []string{"cpu", "memory"} {
				if dig(ctr, "resources", kind, r) == nil {
					t.Errorf("no resources.%s.%s", kind, r)
				}
			}
		}
	})

	t.Run("services select the pods", func(t *testing.T) {
		if got := str(svc, "spec", "clusterIP"); got != "None" {
			t.Errorf("Service clusterIP %q: not headless", got)
		}
		if !subset(dig(svc, "spec", "selector"), podLabels) {
			t.Errorf("Service selector %v does not match the pod labels", dig(svc, "spec", "selector"))
		}
		if !subset(dig(pdb, "spec", "selector", "matchLabels"), podLabels) {
			t.Errorf("PodDisruptionBudget selector does not match the pod labels")
		}
		if dig(pdb, "spec", "maxUnavailable") == nil && dig(pdb, "spec", "minAvailable") == nil {
			t.Errorf("PodDisruptionBudget has neither maxUnavailable nor minAvailable")
		}
		if !subset(dig(sm, "spec", "selector", "matchLabels"), dig(svc, "metadata", "labels")) {
			t.Errorf("ServiceMonitor selector does not match the Service's labels")
		}
	})

	t.Run("security context", func(t *testing.T) {
		psc, csc := dig(spec, "securityContext"), dig(ctr, "securityContext")
		if dig(psc, "runAsNonRoot") != true {
			t.Errorf("pod runAsNonRoot is not true")
		}
		for _, k := range []string{"runAsUser", "fsGroup"} {
			if n, ok := dig(psc, k).(int); !ok || n <= 0 {
				t.Errorf("pod %s %v: want a numeric non-root id", k, dig(psc, k))
			}
		}
		if got := str(psc, "seccompProfile", "type"); got != "RuntimeDefault" {
			t.Errorf("seccompProfile.type %q", got)
		}
		if dig(csc, "allowPrivilegeEscalation") != false {
			t.Errorf("allowPrivilegeEscalation is not false")
		}
		if dig(csc, "readOnlyRootFilesystem") != true {
			t.Errorf("readOnlyRootFilesystem is not true")
		}
		if got := strs(csc, "capabilities", "drop"); !slices.Equal(got, []string{"ALL"}) {
			t.Errorf("capabilities.drop %q, want [ALL]", got)
		}
	})

	// mounts maps each volume's name to its mount in the container.
	mounts := map[string]any{}
	for _, m := range list(ctr, "volumeMounts") {
		mounts[str(m, "name")] = m
	}
	// volume finds a volume of the pod by what it is made of (configMap,
	// secret) and returns its name and the volume.
	volume := func(source string) (string, any) {
		for _, v := range list(spec, "volumes") {
			if dig(v, source) != nil {
				return str(v, "name"), v
			}
		}
		return "", nil
	}

	cfgName, cfgVol := volume("configMap")
	secName, secVol := volume("secret")
	t.Run("volumes", func(t *testing.T) {
		if got := str(cfgVol, "configMap", "name"); got != str(cm, "metadata", "name") {
			t.Errorf("config volume uses ConfigMap %q, not %q", got, str(cm, "metadata", "name"))
		}
		if got := str(mounts[cfgName], "mountPath"); got != "/etc/pollhook" || dig(mounts[cfgName], "subPath") != nil {
			t.Errorf("ConfigMap mounted at %q (subPath %v): want the directory /etc/pollhook, so that an edit reaches the pod", got, dig(mounts[cfgName], "subPath"))
		}
		if got := str(secVol, "secret", "secretName"); got != str(secret, "metadata", "name") {
			t.Errorf("secret volume uses Secret %q, not %q", got, str(secret, "metadata", "name"))
		}
		for _, name := range []string{cfgName, secName} {
			if dig(mounts[name], "readOnly") != true {
				t.Errorf("volume %q is not mounted readOnly", name)
			}
		}
		tpl := dig(sts, "spec", "volumeClaimTemplates", "0")
		if tpl == nil || mounts[str(tpl, "metadata", "name")] == nil {
			t.Fatalf("no volumeClaimTemplate mounted in the container")
		}
		if got := strs(tpl, "spec", "accessModes"); !slices.Equal(got, []string{"ReadWriteOnce"}) {
			t.Errorf("PVC accessModes %q, want [ReadWriteOnce]: one pod's own disk", got)
		}
		if dig(tpl, "spec", "resources", "requests", "storage") == nil {
			t.Errorf("PVC requests no storage")
		}
	})

	// The ConfigMap's pollhook.toml, its ${file:...} secrets read from
	// the Secret's values instead of the mount a pod has.
	src, _ := dig(cm, "data", "pollhook.toml").(string)
	if src == "" {
		t.Fatal("the ConfigMap has no pollhook.toml")
	}
	secDir := str(mounts[secName], "mountPath")
	local := t.TempDir()
	for k, v := range dig(secret, "stringData").(map[string]any) {
		if err := os.WriteFile(filepath.Join(local, k), []byte(fmt.Sprint(v)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	text := strings.ReplaceAll(src, "${file:"+secDir+"/", "${file:"+local+"/")
	cfg, err := config.Parse("pollhook.toml", []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("the ConfigMap's pollhook.toml: %v", err)
	}

	t.Run("config matches the manifests", func(t *testing.T) {
		if cfg.Sharding.Shard != config.ShardAuto {
			t.Errorf("shard %q, want auto: each pod is the shard its name ends with", cfg.Sharding.Shard)
		}
		if replicas, _ := dig(sts, "spec", "replicas").(int); cfg.Sharding.Shards != replicas {
			t.Errorf("shards = %d but replicas: %d", cfg.Sharding.Shards, replicas)
		}
		if got := str(mounts[str(sts, "spec", "volumeClaimTemplates", "0", "metadata", "name")], "mountPath"); path.Dir(cfg.DB) != got {
			t.Errorf("db %q is not on the volume mounted at %q", cfg.DB, got)
		}
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			t.Fatalf("listen %q: %v", cfg.Listen, err)
		}
		if config.IsLoopback(host) {
			t.Errorf("listen %q: the kubelet and Prometheus cannot reach a loopback address", cfg.Listen)
		}
		// ports maps the container's port names to their numbers.
		ports := map[string]string{}
		for _, p := range list(ctr, "ports") {
			ports[str(p, "name")] = fmt.Sprint(dig(p, "containerPort"))
		}
		portOf := func(v any) string {
			if p, ok := ports[fmt.Sprint(v)]; ok {
				return p
			}
			return fmt.Sprint(v)
		}
		if got := str(ctr, "livenessProbe", "httpGet", "path"); got != "/healthz" {
			t.Errorf("livenessProbe path %q, want /healthz", got)
		}
		if got := portOf(dig(ctr, "livenessProbe", "httpGet", "port")); got != port {
			t.Errorf("livenessProbe port %s, listen port %s", got, port)
		}
		// /readyz needs no token (its reason does): an httpGet.
		ready := dig(ctr, "readinessProbe")
		if got := str(ready, "httpGet", "path"); got != "/readyz" {
			t.Errorf("readinessProbe path %q, want /readyz", got)
		}
		if got := portOf(dig(ready, "httpGet", "port")); got != port {
			t.Errorf("readinessProbe port %s, listen port %s", got, port)
		}
		ep := dig(sm, "spec", "endpoints", "0")
		if got := str(ep, "path"); got != "/metrics" {
			t.Errorf("ServiceMonitor path %q, want /metrics", got)
		}
		var svcPort string
		for _, p := range list(svc, "spec", "ports") {
			if str(p, "name") == str(ep, "port") {
				svcPort = portOf(dig(p, "targetPort"))
			}
		}
		if svcPort != port {
			t.Errorf("ServiceMonitor port %q reaches port %q, listen port %s", str(ep, "port"), svcPort, port)
		}
		if cfg.AuthToken != "" {
			name, key := str(ep, "authorization", "credentials", "name"), str(ep, "authorization", "credentials", "key")
			val := str(secret, "stringData", key)
			if name != str(secret, "metadata", "name") || val != cfg.AuthToken {
				t.Errorf("ServiceMonitor sends Secret %q key %q, not the auth_token", name, key)
			}
		}
	})
}
