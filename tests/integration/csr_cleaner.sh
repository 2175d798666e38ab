#!/usr/bin/env bash
# csr_cleaner.sh — the CSR cleaner (upstream's csrcleaner) with the real kubectl, its ages cut
# to seconds (C8S_CSR_CLEANER_AGES_MS): an approved and issued request, a denied one, one the
# signer failed and one left pending are deleted once their ages have passed; an approved one no
# signer issues stays.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-csrclean-XXXXXX)
TMPDIRS+=("$WORK")
# approved (and issued) 6 s, denied or failed 3 s, pending 8 s
export C8S_CSR_CLEANER_AGES_MS=6000,3000,8000
start_managed_server "$WORK" --disable-scheduler || { fail "server start"; finish; exit 1; }

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/alice.key" \
  -subj "/O=dev/CN=alice" -out "$WORK/alice.csr" 2>/dev/null
csr() { # name signer
  printf '{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"%s"},"spec":{"request":"%s","signerName":"%s","usages":["client auth","digital signature"]}}' \
    "$1" "$(base64 -w0 "$WORK/alice.csr")" "$2" | kubectl create -f - >/dev/null
}

# Approved first, so its age has passed long before the others are gone.
csr keep example.com/nobody-signs
check "approve keep" kubectl certificate approve keep
csr issued kubernetes.io/kube-apiserver-client
check "approve issued" kubectl certificate approve issued
csr denied kubernetes.io/kube-apiserver-client
check "deny denied" kubectl certificate deny denied
# A kubelet client signer refuses a subject that is not system:node:<name>: Failed.
csr failed kubernetes.io/kube-apiserver-client-kubelet
check "approve failed" kubectl certificate approve failed
csr pending kubernetes.io/kube-apiserver-client

ISSUED=0 FAILEDC=0
for _ in $(seq 1 600); do
  [ -n "$(kubectl get csr issued -o jsonpath='{.status.certificate}' 2>/dev/null)" ] && { ISSUED=1; break; }
  sleep 0.1
done
check "the approved request was issued" test "$ISSUED" = 1
for _ in $(seq 1 600); do
  kubectl get csr failed -o jsonpath='{.status.conditions[*].type}' 2>/dev/null | grep -q Failed && { FAILEDC=1; break; }
  sleep 0.1
done
check "the signer failed the kubelet request" test "$FAILEDC" = 1

gone() { ! kubectl get csr "$1" >/dev/null 2>&1; }
for name in denied failed issued pending; do
  for _ in $(seq 1 1200); do
    gone "$name" && break
    sleep 0.1
  done
  check "$name deleted once its age passed" gone "$name"
done
check_contains "the cleaner says why" "$(cat "$SERVER_DATA.log")" "csrcleaner: deleting certificatesigningrequest pending"
# keep was approved before all the others and its 6 s are long past: approved without a
# certificate is not one the cleaner deletes.
check_eq "approved but not issued stays" "$(kubectl get csr keep -o jsonpath='{.status.conditions[0].type}')" "Approved"
finish
