#!/usr/bin/env bash
# image_auth.sh — registry authentication against Debian's docker-registry on loopback:
#  - basic auth (htpasswd, bcrypt): refused without credentials, pulled with --username/--password;
#  - bearer tokens: the registry's `token` auth with a small token server written here (a signed
#    RS256 JWT, as Docker Hub's auth.docker.io issues), which itself wants basic credentials —
#    the WWW-Authenticate realm/service/scope dance end to end.
source "$C8S_SOURCE_DIR/tests/support/lib.sh"
source "$C8S_SOURCE_DIR/tests/integration/image_registry.bash"

WORK=$(mktemp -d /tmp/c8s-image-auth.XXXXXX)
TMPDIRS+=("$WORK")
DATA="$WORK/data"
c8s_image() { "$C8S_BIN" image --data-dir "$DATA" "$@"; }

build_small_image "$WORK/img"

# ---- basic auth ----
python3 -c 'import crypt, sys; print("alice:" + crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
  's3cret' >"$WORK/htpasswd" 2>/dev/null
if ! start_registry basic "  htpasswd:
    realm: c8s-test
    path: $WORK/htpasswd"; then
  fail "registry with htpasswd did not start"
  finish
  exit 1
fi
CURL_AUTH=(-u alice:s3cret)
check "push with basic auth" push_small_image app/basic v1 "$WORK/img"
out=$(c8s_image pull "$REG/app/basic:v1" --insecure-registry "$REG" 2>&1)
check_eq "pull without credentials fails" "$?" 1
check_contains "it says unauthorized" "$out" "credentials"
out=$(c8s_image pull "$REG/app/basic:v1" --insecure-registry "$REG" --username alice \
  --password wrong 2>&1)
check_eq "pull with a wrong password fails" "$?" 1
check_contains "it says 401" "$out" "401"
out=$(c8s_image pull "$REG/app/basic:v1" --insecure-registry "$REG" --username alice \
  --password s3cret 2>&1)
check_eq "pull with basic credentials ($out)" "$?" 0
check_eq "basic pull digest" "$(echo "$out" | tail -1)" "sha256:$SMALL_MANIFEST"
# The kubelet's path: credentials from a .dockerconfigjson (imagePullSecrets).
printf '{"auths":{"http://%s":{"auth":"%s"}}}' "$REG" "$(printf alice:s3cret | base64)" \
  >"$WORK/dockerconfig.json"
check "rm before the dockerconfig pull" c8s_image rm "$REG/app/basic:v1"
printf '{"auths":{"%s":{"username":"alice","password":"wrong"}}}' "$REG" >"$WORK/wrong.json"
printf '{"auths":{"other.example":{"username":"x","password":"y"}}}' >"$WORK/other.json"
out=$(c8s_image pull "$REG/app/basic:v1" --insecure-registry "$REG" \
  --docker-config "$WORK/wrong.json" 2>&1)
check_eq "pull with wrong dockerconfigjson credentials fails" "$?" 1
out=$(c8s_image pull "$REG/app/basic:v1" --insecure-registry "$REG" \
  --docker-config "$WORK/other.json" --docker-config "$WORK/wrong.json" \
  --docker-config "$WORK/dockerconfig.json" 2>&1)
check_eq "pull trying each imagePullSecret in turn ($out)" "$?" 0
BASIC_REG=$REG
kill -TERM "$REG_PID"
wait "$REG_PID" 2>/dev/null

# ---- bearer tokens ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/token.key" -out "$WORK/token.crt" \
  -days 1 -subj /CN=c8s-test-token 2>/dev/null
cat >"$WORK/token_server.py" <<'EOF'
# A token server as the distribution spec describes: GET ?service=&scope= with basic credentials,
# answers {"token": JWT} where the JWT (RS256, x5c = the registry's trusted cert) grants the scope.
import base64, http.server, json, subprocess, sys, time, urllib.parse

key, cert, port_file, log_file, user, password = sys.argv[1:]
der = subprocess.check_output(["openssl", "x509", "-in", cert, "-outform", "DER"])
want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        with open(log_file, "a") as f:
            f.write(json.dumps({"service": q.get("service"), "scope": q.get("scope"),
                                "auth": self.headers.get("Authorization") == want}) + "\n")
        if self.headers.get("Authorization") != want:
            self.send_response(401)
            self.end_headers()
            return
        access = []
        for s in q.get("scope", []):
            typ, name, actions = s.split(":")
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        claims = {"iss": "c8s-test-issuer", "sub": user, "aud": q["service"][0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(time.time_ns()),
                  "access": access}
        signing = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=signing.encode(), capture_output=True, check=True).stdout
        body = json.dumps({"token": signing + "." + b64u(sig), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file, "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
EOF
python3 "$WORK/token_server.py" "$WORK/token.key" "$WORK/token.crt" "$WORK/token.port" \
  "$WORK/token.log" bob hunter2 &
TOKEN_PID=$!
PIDS+=("$TOKEN_PID")
for _ in $(seq 1 100); do [ -s "$WORK/token.port" ] && break; sleep 0.1; done
TOKEN_URL="http://127.0.0.1:$(cat "$WORK/token.port")/token"
if ! start_registry bearer "  token:
    realm: $TOKEN_URL
    service: c8s-test-registry
    issuer: c8s-test-issuer
    rootcertbundle: $WORK/token.crt"; then
  fail "registry with token auth did not start"
  finish
  exit 1
fi
push_token=$(curl -sf -u bob:hunter2 \
  "$TOKEN_URL?service=c8s-test-registry&scope=repository:app/bearer:push,pull" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
CURL_AUTH=(-H "Authorization: Bearer $push_token")
check "push with a bearer token" push_small_image app/bearer v1 "$WORK/img"
: >"$WORK/token.log"
out=$(c8s_image pull "$REG/app/bearer:v1" --insecure-registry "$REG" 2>&1)
check_eq "bearer pull without credentials fails" "$?" 1
check_contains "the token server refused it" "$out" "token request"
out=$(c8s_image pull "$REG/app/bearer:v1" --insecure-registry "$REG" --username bob \
  --password hunter2 2>&1)
check_eq "pull through a bearer token ($out)" "$?" 0
check_eq "bearer pull digest" "$(echo "$out" | tail -1)" "sha256:$SMALL_MANIFEST"
tlog=$(cat "$WORK/token.log")
check_contains "token asked for the registry's service" "$tlog" '"service": ["c8s-test-registry"]'
check_contains "token asked for the pull scope" "$tlog" '"scope": ["repository:app/bearer:pull"]'
check_contains "token request carried the credentials" "$tlog" '"auth": true'
check_contains "pulled image listed" "$(c8s_image ls)" "$REG/app/bearer:v1"
check "rm bearer" c8s_image rm "$REG/app/bearer:v1"
check "rm" c8s_image rm "$BASIC_REG/app/basic:v1"
check_eq "no blob left" "$(ls "$DATA/images/blobs/sha256" | wc -l)" 0

finish
