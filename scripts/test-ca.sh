# Sourced by scripts that start nginx with TLS: test_ca DIR writes a CA
# (DIR/ca.pem, DIR/ca.key) and a leaf for 127.0.0.1 signed by it
# (DIR/leaf.pem, DIR/leaf.key), valid two days, so every client can verify
# nginx's certificate against the CA alone.
test_ca() {
  local dir=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=poolbench-test-ca \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "$dir/leaf.key" -out "$dir/leaf.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$dir/ext"
  openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/leaf.pem" 2>/dev/null
}
