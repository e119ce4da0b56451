package codec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// KeysEnv and KeysFileEnv are the variables the payload keys come from: the keys themselves, or a file
// holding them (a Kubernetes or Docker secret), in the same format. Setting both is refused, so it is
// never a question which one is in force.
const (
	KeysEnv     = "COSELL_PAYLOAD_KEYS"
	KeysFileEnv = "COSELL_PAYLOAD_KEYS_FILE"
)

// KeySize is AES-256's key length in bytes.
const KeySize = 32

// keyID is what a key id may hold: it is written in clear into every payload's metadata, so it must
// name the key (a date, a version) and never be derived from it.
var keyID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Key is one AES-256 key and the id that payloads encrypted with it carry.
type Key struct {
	ID  string
	key []byte
}

// String never prints the key material, so a key that reaches a log line or an error by mistake
// shows only its id.
func (k Key) String() string { return "key " + k.ID }

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// Keyring is the keys a process holds. The first one encrypts; every one decrypts, so an operator
// rotates by putting a new key first and keeping the old ones until no history holds a payload
// encrypted with them (README, Keys and rotation).
type Keyring struct {
	keys []Key
	byID map[string][]byte
}

// NewKeyring builds a keyring from keys, the encrypting one first. It is ParseKeys without the text.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no payload key")
	}
	r := &Keyring{byID: map[string][]byte{}}
	for _, k := range keys {
		if !keyID.MatchString(k.ID) {
			return nil, fmt.Errorf("key id %q: want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", k.ID)
		}
		if len(k.key) != KeySize {
			return nil, fmt.Errorf("key %s: %d bytes; AES-256 needs %d", k.ID, len(k.key), KeySize)
		}
		if _, dup := r.byID[k.ID]; dup {
			return nil, fmt.Errorf("key id %q is listed twice: every key needs an id of its own", k.ID)
		}
		r.byID[k.ID] = k.key
		r.keys = append(r.keys, k)
	}
	return r, nil
}

// NewKey makes a key from its id and raw bytes (KeySize of them).
func NewKey(id string, raw []byte) Key { return Key{ID: id, key: append([]byte(nil), raw...)} }

// Current is the id of the key that encrypts.
func (r *Keyring) Current() string { return r.keys[0].ID }

// IDs lists the key ids, the encrypting one first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return ids
}

// ParseKeys reads keys in the COSELL_PAYLOAD_KEYS format: entries `id:base64key` separated by commas,
// spaces or new lines, the encrypting key first; in a file, a line starting with '#' is a comment.
// source names where the text came from (the variable, or the file) and starts every error, with
// the line in a file; no error ever holds key material.
func ParseKeys(text, source string) (*Keyring, error) {
	var keys []Key
	var errs []error
	entries := 0
	for n, line := range strings.Split(text, "\n") {
		where := source
		if strings.Count(text, "\n") > 0 {
			where = fmt.Sprintf("%s:%d", source, n+1)
		}
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		for _, entry := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			entries++
			k, err := parseEntry(entry)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: entry %d: %w", where, entries, err))
				continue
			}
			keys = append(keys, k)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no key: want entries id:base64key, the encrypting key first (make one with `head -c 32 /dev/urandom | base64`)", source)
	}
	r, err := NewKeyring(keys...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return r, nil
}

// parseEntry reads one id:base64key. The key is accepted in standard or URL-safe base64, padded or
// not, since secret stores and shells differ in which they hand over.
func parseEntry(entry string) (Key, error) {
	id, b64, ok := strings.Cut(entry, ":")
	if !ok {
		return Key{}, errors.New("no ':': want id:base64key")
	}
	if !keyID.MatchString(id) {
		// The id is not printed: a malformed entry may hold a key where the id should be.
		return Key{}, errors.New("the key id (before ':') must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(b64); err == nil {
			break
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("key %s: not base64", id)
	}
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("key %s: %d bytes after base64 decoding; AES-256 needs %d (make one with `head -c 32 /dev/urandom | base64`)", id, len(raw), KeySize)
	}
	return Key{ID: id, key: raw}, nil
}

// LoadKeys reads the keys from the environment: KeysEnv, or the file KeysFileEnv names. It returns
// nil, and no error, when neither is set: payloads then go to Temporal unencrypted.
func LoadKeys(keys, file string) (*Keyring, error) {
	switch {
	case keys != "" && file != "":
		return nil, fmt.Errorf("%s and %s are both set: set one", KeysEnv, KeysFileEnv)
	case keys != "":
		return ParseKeys(keys, KeysEnv)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeysFileEnv, err)
		}
		return ParseKeys(string(b), file)
	}
	return nil, nil
}
