// Package codec keeps partner data out of Temporal's history: a converter.PayloadCodec that encrypts
// every payload (workflow and activity inputs and results, signals, updates, queries, memos) with
// AES-256-GCM before it leaves the process, and decrypts it on the way back. Deal values, note bodies
// and CRM messages then exist in plain text only in the worker and the CLI, on hosts the operator
// controls; anyone reading the cluster's database, or its UI without the codec server, sees ciphertext.
//
// Keys carry an id, written into each payload's metadata, so keys rotate without re-encrypting history:
// the first key of the keyring encrypts, every key decrypts (keys.go). A payload that is not encrypted
// (history written before the codec was turned on, the replay tests' committed histories) passes
// through unchanged, as the SDK asks of a codec.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload. The encoding is the one Temporal's samples and UI know as
// encrypted; the key id says which key to decrypt with.
const (
	Encoding         = "binary/encrypted"
	MetadataKeyID    = "encryption-key-id"
	MetadataCipher   = "encryption-cipher"
	Cipher           = "AES-256-GCM"
	additionalPrefix = "cosell-payload-v1:"
)

// Codec encrypts and decrypts payloads with a keyring.
type Codec struct {
	keys  *Keyring
	aeads map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New builds the codec of a keyring.
func New(keys *Keyring) (*Codec, error) {
	c := &Codec{keys: keys, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys.keys {
		block, err := aes.NewCipher(k.key)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

// Encode encrypts each payload, whole (its metadata too, so even the encoding of a value is hidden),
// with the keyring's current key and a fresh random nonce. The key id is bound to the ciphertext as
// additional data, so a payload relabelled with another key id does not decrypt.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.Current()
	aead := c.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(id),
				MetadataCipher:             []byte(Cipher),
			},
			Data: aead.Seal(nonce, nonce, plain, additional(id)),
		}
	}
	return out, nil
}

// Decode decrypts each encrypted payload and passes any other through unchanged. A payload encrypted
// with a key the keyring does not hold, or one that fails authentication (altered, or relabelled),
// is an error that says which.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		if cph := string(p.GetMetadata()[MetadataCipher]); cph != "" && cph != Cipher {
			return nil, fmt.Errorf("decrypt payload: cipher %q; this codec decrypts %s only", cph, Cipher)
		}
		aead, ok := c.aeads[id]
		if !ok {
			if id == "" {
				return nil, fmt.Errorf("decrypt payload: it names no key id (metadata %s)", MetadataKeyID)
			}
			return nil, fmt.Errorf("decrypt payload: it was encrypted with key %q, which is not among the keys this process holds (%s); add that key back to %s or %s",
				id, strings.Join(c.keys.IDs(), ", "), KeysEnv, KeysFileEnv)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return nil, fmt.Errorf("decrypt payload with key %s: %d bytes, too short to be a %s ciphertext", id, len(data), Cipher)
		}
		nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, sealed, additional(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with key %s: authentication failed: the payload was altered, or encrypted with another key under this id", id)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return nil, fmt.Errorf("decrypt payload with key %s: %w", id, err)
		}
		out[i] = &decoded
	}
	return out, nil
}

func additional(id string) []byte { return []byte(additionalPrefix + id) }

// DataConverter is the SDK's default data converter with payloads encrypted by the codec.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter encodes failures' messages and stack traces as payloads too, so they go through
// the codec: a CRM's rejection message quotes the values it refused, and it would otherwise sit in
// history in plain text.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          c.DataConverter(),
		EncodeCommonAttributes: true,
	})
}
