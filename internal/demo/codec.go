package demo

// The demo encrypts its payloads as production does, with a fixed key that is published here and so
// protects nothing: it lets `make run` show encrypted history in the Temporal UI and the codec server
// decrypting it, and lets a demo restarted with the same key read what the last run wrote.
const (
	// PayloadKeys is the demo's COSELL_PAYLOAD_KEYS: the 32 bytes "CoSell demo key: never for prod!".
	PayloadKeys = "demo-1:Q29TZWxsIGRlbW8ga2V5OiBuZXZlciBmb3IgcHJvZCE="
	// CodecServerAddr and CodecServerToken are where `cosell dev` serves its codec server and the
	// bearer token it asks for.
	CodecServerAddr  = "127.0.0.1:8081"
	CodecServerToken = "demo-codec-token-not-secret"
)
