#!/usr/bin/env bash
# A single-node Kubernetes cluster of host processes, for the cluster test (test.sh) and for trying
# the manifests by hand:
#   cluster.sh up DIR BIN [IMAGES...]
#       starts etcd, containerd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
#       kube-proxy and CoreDNS, each with its state, log and pid file in DIR (BIN: the output of
#       build-binaries.sh), after loading IMAGES (docker-archive or OCI tarballs; the pause image
#       among them) into the node's containerd
#   cluster.sh load DIR BIN IMAGES...
#       loads more images into the node's containerd of a running cluster
#   cluster.sh down DIR BIN
#       stops them by their recorded pids and removes everything they made (pods, mounts, the
#       bridge, iptables chains, cgroups); safe to repeat
# kubectl then works with KUBECONFIG=DIR/admin.kubeconfig. Design, and each pitfall met on these
# machines with its fix: docs/decisions/041-real-kubernetes-test.md.
#
# Everything of the cluster stays inside DIR or is named after it, so that nothing else on the
# machine is shared or touched: containerd's socket, root and state, runc's state, the CNI
# configuration and IP leases, the kubelet's root, pod logs and cgroup root. The pods' bridge
# (taxik8s0, 10.244.0.1/16) is the node's address too: the API server listens on 127.0.0.1, the
# kubelet on the bridge, and nothing listens on or sends to the machine's own network.
# Services get 10.96.0.0/16. One cluster per machine at a time (a lock): the bridge, the
# subnets and kube-proxy's iptables chains are machine-wide.
#
#   TAXI_K8S_API_PORT   the API server's port on 127.0.0.1 (default 16443)
#   TAXI_K8S_ETCD_PORT  etcd's client port on 127.0.0.1 (default 12379; peers use the next one)
set -euo pipefail

BRIDGE=taxik8s0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
NODE_NAME=taxi-k8s-node
CGROUP_ROOT=/taxi-k8s
API_PORT="${TAXI_K8S_API_PORT:-16443}"
ETCD_PORT="${TAXI_K8S_ETCD_PORT:-12379}"
# The processes, in the order they start; stopped in the reverse order.
COMPONENTS=(etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns)

usage() {
  echo "usage: cluster.sh up DIR BIN [IMAGES...] | cluster.sh load DIR BIN IMAGES... | cluster.sh down DIR BIN" >&2
  exit 2
}
[[ $# -ge 3 ]] || usage
action="$1"
D="$(mkdir -p "$2" && cd "$2" && pwd)"
B="$(cd "$3" && pwd)"
shift 3
K="$D/admin.kubeconfig"
kubectl() { "$B/kubectl" --kubeconfig "$K" "$@"; }

start() {
  local name="$1"
  shift
  "$@" >"$D/logs/$name.log" 2>&1 &
  echo $! >"$D/run/$name.pid"
}

# wait_for WHAT SECONDS COMMAND...: polls once a second until COMMAND succeeds; fails at once
# when a component started so far has exited (quoting its log), or at the time-out.
wait_for() {
  local what="$1" seconds="$2" file
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    for file in "$D"/run/*.pid; do
      [[ -f "$file" ]] && { check_alive "$(basename "$file" .pid)" || return 1; }
    done
    if ((SECONDS > deadline)); then
      echo "cluster: timed out after ${seconds}s waiting for $what" >&2
      return 1
    fi
    sleep 1
  done
}

# Exits when a component died at start, naming it and quoting its log.
check_alive() {
  local name pid
  for name in "$@"; do
    pid="$(cat "$D/run/$name.pid")"
    kill -0 "$pid" 2>/dev/null && continue
    echo "cluster: $name (pid $pid) exited at start; last lines of $D/logs/$name.log:" >&2
    tail -n 15 "$D/logs/$name.log" >&2
    return 1
  done
}

write_configs() {
  mkdir -p "$D"/{pki,run,logs,cni/net.d,cni/ipam,etcd,containerd,kubelet,pod-logs,pv}
  [[ -f "$D/pki/sa.key" ]] || {
    openssl genrsa -out "$D/pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$D/pki/sa.key" -pubout -out "$D/pki/sa.pub" 2>/dev/null
  }
  # The kubelet takes only clients with a certificate of this cluster's CA: the API server (for
  # logs, exec and port-forward), not the pods on the bridge it listens on.
  [[ -f "$D/pki/ca.crt" ]] || {
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=taxi-k8s-ca \
      -keyout "$D/pki/ca.key" -out "$D/pki/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
      -keyout "$D/pki/kubelet-client.key" -out "$D/pki/kubelet-client.csr" 2>/dev/null
    openssl x509 -req -days 7 -in "$D/pki/kubelet-client.csr" -CA "$D/pki/ca.crt" -CAkey "$D/pki/ca.key" \
      -CAcreateserial -out "$D/pki/kubelet-client.crt" 2>/dev/null
  }
  # One admin token (system:masters) for the components and the test: a throw-away cluster.
  [[ -f "$D/pki/tokens.csv" ]] || echo "$(openssl rand -hex 16),admin,admin,system:masters" >"$D/pki/tokens.csv"
  local token
  token="$(cut -d, -f1 "$D/pki/tokens.csv")"
  cat >"$K" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: taxi-k8s, cluster: {server: "https://127.0.0.1:$API_PORT", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: taxi-k8s, context: {cluster: taxi-k8s, user: admin}}]
current-context: taxi-k8s
EOF
  chmod 600 "$K" "$D/pki/tokens.csv"

  cat >"$D/containerd.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
[grpc]
  address = "$D/run/containerd.sock"
[ttrpc]
  address = "$D/run/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/taxi-k8s/pause:3.10"
  # No CAP_SYS_RESOURCE in some sandboxes (these machines): the kernel refuses the kubelet's
  # negative oom_score_adj for pod sandboxes, and every sandbox fails to start without this.
  restrict_oom_score_adj = true
  # The pods' network namespaces in DIR too, not in /var/run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$D/run/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$D/cni/net.d"
EOF

  # firewall: once a Docker engine has run, the FORWARD policy is DROP; the plugin accepts the
  # pods' traffic. The IP leases live in DIR, not in /var/lib/cni.
  cat >"$D/cni/net.d/10-taxi-k8s.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "taxi-k8s", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$D/cni/ipam",
            "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "firewall", "backend": "iptables"}
]}
EOF

  # cgroup v1 (hybrid) and no systemd as PID 1 here: cgroupfs, and the kubelet told to accept v1.
  cat >"$D/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 0
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: $D/pki/ca.crt}}
authorization: {mode: AlwaysAllow}
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $D/resolv.conf
containerRuntimeEndpoint: unix://$D/run/containerd.sock
podLogsDir: $D/pod-logs
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
  # The node's own resolver for pods with dnsPolicy Default: nothing outside the cluster.
  echo "nameserver $NODE_IP" >"$D/resolv.conf"
  # CoreDNS answers the cluster's names only: no `forward`, so no query leaves the machine.
  cat >"$D/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $K
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
EOF
}

up() {
  # A cluster left by a run that was killed before it could clean up goes first.
  [[ -z "$(ls "$D/run/"*.pid 2>/dev/null)" ]] || down
  write_configs
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    echo "cluster: the bridge $BRIDGE exists: another cluster runs ($(cat "/sys/class/net/$BRIDGE/ifalias" 2>/dev/null))" >&2
    return 1
  fi
  ip link add "$BRIDGE" type bridge
  # The bridge names its cluster's folder, for whoever finds it.
  ip link set "$BRIDGE" alias "$D"
  ip addr add "$NODE_IP/16" dev "$BRIDGE"
  ip link set "$BRIDGE" up

  start etcd etcd --name taxi-k8s --data-dir "$D/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "taxi-k8s=http://127.0.0.1:$((ETCD_PORT + 1))"
  start containerd containerd --config "$D/containerd.toml"
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  # --kubelet-preferred-address-types: the node's name does not resolve; logs, exec and
  # port-forward reach the kubelet at its InternalIP.
  start kube-apiserver "$B/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address="$NODE_IP" \
    --cert-dir="$D/pki/apiserver" --token-auth-file="$D/pki/tokens.csv" --authorization-mode=Node,RBAC \
    --service-account-key-file="$D/pki/sa.pub" --service-account-signing-key-file="$D/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" --kubelet-preferred-address-types=InternalIP,Hostname \
    --kubelet-client-certificate="$D/pki/kubelet-client.crt" --kubelet-client-key="$D/pki/kubelet-client.key"
  wait_for kube-apiserver 120 kubectl get --raw=/readyz

  start kube-controller-manager "$B/kube-controller-manager" --kubeconfig="$K" \
    --authentication-kubeconfig="$K" --authorization-kubeconfig="$K" \
    --service-account-private-key-file="$D/pki/sa.key" --root-ca-file="$D/pki/apiserver/apiserver.crt" \
    --use-service-account-credentials=true --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
    --cluster-cidr="$POD_CIDR" --service-cluster-ip-range="$SERVICE_CIDR"
  start kube-scheduler "$B/kube-scheduler" --kubeconfig="$K" --authentication-kubeconfig="$K" \
    --authorization-kubeconfig="$K" --leader-elect=false --bind-address=127.0.0.1 --secure-port=0
  wait_for containerd 30 ctr --address "$D/run/containerd.sock" version
}

# Loads images into the node's containerd, in its k8s.io namespace, where the kubelet looks:
# load_images ARCHIVE... (docker-archive or OCI tarballs).
load_images() {
  local archive
  for archive in "$@"; do
    ctr --address "$D/run/containerd.sock" -n k8s.io images import "$archive" >/dev/null
  done
}

# The kubelet's cgroup root must exist; under it, it makes kubepods and the pods' cgroups.
make_cgroup_root() {
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    mkdir -p "/sys/fs/cgroup$CGROUP_ROOT"
    return 0
  fi
  local controller
  for controller in /sys/fs/cgroup/*/; do
    [[ -L "${controller%/}" ]] && continue
    mkdir -p "$controller${CGROUP_ROOT#/}"
  done
  # cgroup v1's cpuset: a new group has no CPUs or memory nodes until given its parent's.
  if [[ -d /sys/fs/cgroup/cpuset ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset$CGROUP_ROOT/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset$CGROUP_ROOT/cpuset.mems"
  fi
}

node_up() {
  make_cgroup_root
  start kubelet "$B/kubelet" --config="$D/kubelet.yaml" --kubeconfig="$K" --root-dir="$D/kubelet" \
    --cert-dir="$D/kubelet/pki" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
  # --nodeport-addresses: NodePorts on the bridge only, never on the machine's own addresses.
  start kube-proxy "$B/kube-proxy" --kubeconfig="$K" --proxy-mode=iptables --cluster-cidr="$POD_CIDR" \
    --hostname-override="$NODE_NAME" --conntrack-max-per-core=0 --nodeport-addresses="$NODE_IP/32" \
    --metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256
  start coredns "$B/coredns" -conf "$D/Corefile"
  wait_for "node $NODE_NAME Ready" 120 kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
  # Pods are admitted once their namespace's default service account exists.
  wait_for "the default service account" 60 kubectl get serviceaccount default
  make_volumes
  check_alive "${COMPONENTS[@]}"
}

# No storage provisioner: static hostPath PersistentVolumes in DIR, which any claim of up to
# 10Gi without a storage class binds. fsGroup does not apply to hostPath, and the kubelet would
# create the folders root-owned: made writable for all here, so that a non-root pod can write.
make_volumes() {
  local i
  for i in 0 1 2; do
    mkdir -p "$D/pv/pv-$i"
    chmod 0777 "$D/pv/pv-$i"
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: taxi-k8s-pv-$i}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: "$D/pv/pv-$i", type: Directory}
EOF
  done
}

stop_component() {
  local file="$D/run/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# The CPU time the cluster used, for the figures: its components (utime + stime of each recorded
# pid) and its pods (the cgroup root's cpuacct, cgroup v1).
cpu_used() {
  local file ticks=0 stat
  for file in "$D"/run/*.pid; do
    [[ -f "$file" ]] || continue
    stat="$(cat "/proc/$(cat "$file")/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    ticks=$((ticks + $(echo "$stat" | awk '{print $12 + $13}')))
  done
  local pods=0
  [[ ! -f "/sys/fs/cgroup/cpuacct$CGROUP_ROOT/cpuacct.usage" ]] ||
    pods="$(cat "/sys/fs/cgroup/cpuacct$CGROUP_ROOT/cpuacct.usage")"
  echo "cluster CPU: components $((ticks / $(getconf CLK_TCK))) s, pods $((pods / 1000000000)) s"
}

down() {
  # 1. Pods deleted through the API while the kubelet runs, so that it tears their sandboxes
  #    down: CNI DEL frees the IPs and the firewall and masquerade rules of each pod.
  if [[ -f "$D/run/kubelet.pid" ]] && kubectl get --raw=/readyz >/dev/null 2>&1; then
    kubectl delete namespace --wait=false \
      $(kubectl get namespaces -o name | grep -vE '/(default|kube-system|kube-public|kube-node-lease)$') \
      >/dev/null 2>&1 || true
    # The workloads first: their controllers would start the pods again.
    kubectl delete deployments,statefulsets,replicasets,daemonsets,jobs --all --all-namespaces \
      --wait=false >/dev/null 2>&1 || true
    kubectl delete pods --all --all-namespaces --wait=false --grace-period=5 >/dev/null 2>&1 || true
    wait_for "every pod deleted" 60 test "$(kubectl get pods -A --no-headers 2>/dev/null | wc -l)" = 0 || true
  fi
  [[ ! -f "$D/run/kubelet.pid" ]] || cpu_used
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    [[ "${COMPONENTS[i]}" != containerd ]] || stop_containers
    stop_component "${COMPONENTS[i]}"
  done
  [[ ! -x "$B/kube-proxy" ]] || "$B/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # Mounts the kubelet and containerd left (emptyDir, projected volumes, rootfs, shm), deepest first.
  { grep -oE " $D/[^ ]+" /proc/mounts || true; } | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  local cgroup
  for cgroup in /sys/fs/cgroup/*"$CGROUP_ROOT" "/sys/fs/cgroup$CGROUP_ROOT"; do
    [[ -d "$cgroup" ]] && find "$cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  cni_rules_down
  # The kubelet's own chains, which kube-proxy --cleanup leaves.
  local ipt chain table
  for ipt in iptables ip6tables; do
    for chain in INPUT OUTPUT; do $ipt -D "$chain" -j KUBE-FIREWALL 2>/dev/null || true; done
    $ipt -F KUBE-FIREWALL 2>/dev/null || true
    $ipt -X KUBE-FIREWALL 2>/dev/null || true
    for table in filter nat mangle; do
      $ipt -t "$table" -X KUBE-KUBELET-CANARY 2>/dev/null || true
      $ipt -t "$table" -X KUBE-IPTABLES-HINT 2>/dev/null || true
    done
  done
  # What the kubelet writes outside its root whatever its flags: log links, the device-plugin socket.
  find /var/log/containers -maxdepth 1 -lname "$D/*" -delete 2>/dev/null || true
  rmdir /var/log/containers 2>/dev/null || true
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
}

# The CNI plugins' iptables rules of pods whose sandboxes were not torn down (the kubelet did not
# finish in time): the bridge plugin's masquerade chains, whose rules name this network
# (taxi-k8s), and the firewall plugin's rules for the pod subnet, which only this cluster uses.
cni_rules_down() {
  local rule
  iptables -t nat -S POSTROUTING | { grep -F 'name: \"taxi-k8s\"' || true; } | while read -r rule; do
    eval "iptables -t nat ${rule/-A /-D }" 2>/dev/null || true
    iptables -t nat -F "${rule##* -j }" 2>/dev/null || true
    iptables -t nat -X "${rule##* -j }" 2>/dev/null || true
  done
  iptables -S CNI-FORWARD 2>/dev/null | { grep -E ' -[sd] 10\.244\.' || true; } | while read -r rule; do
    eval "iptables ${rule/-A /-D }" 2>/dev/null || true
  done
}

# Containers the kubelet did not stop (it was gone already), killed through containerd; then
# containerd's shims, which outlive it: those started for this cluster's containerd socket (the
# shim's own command line names it; containerd 1.6 records no shim pid file).
stop_containers() {
  local ctr=(ctr --address "$D/run/containerd.sock" -n k8s.io) task proc
  if [[ -f "$D/run/containerd.pid" ]] && "${ctr[@]}" version >/dev/null 2>&1; then
    for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
      "${ctr[@]}" tasks kill -s KILL "$task" >/dev/null 2>&1 || true
    done
  fi
  for proc in /proc/[0-9]*; do
    [[ "$({ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null)" == *containerd-shim*" -address $D/run/containerd.sock "* ]] &&
      kill -KILL "${proc#/proc/}" 2>/dev/null
  done
  true
}

case "$action" in
  up)
    up
    load_images "$@"
    node_up
    echo "cluster up: KUBECONFIG=$K"
    ;;
  load) load_images "$@" ;;
  down) down ;;
  *) usage ;;
esac
