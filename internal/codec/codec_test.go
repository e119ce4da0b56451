package codec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func randomKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func entry(id string, k []byte) string { return id + ":" + base64.StdEncoding.EncodeToString(k) }

func mustCodec(t *testing.T, text string) *Codec {
	t.Helper()
	r, err := ParseKeys(text, KeysEnv)
	require.NoError(t, err)
	c, err := New(r)
	require.NoError(t, err)
	return c
}

type deal struct {
	Name   string
	Amount string
	Note   string
}

func TestRoundTripHidesEveryByteOfTheValue(t *testing.T) {
	c := mustCodec(t, entry("k1", randomKey(t)))
	dc := c.DataConverter()
	in := deal{Name: "Initech rollout", Amount: "SENTINEL-AMOUNT-987654", Note: "SENTINEL-NOTE body"}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)

	assert.Equal(t, Encoding, string(p.Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	raw, err := p.Marshal()
	require.NoError(t, err)
	for _, s := range []string{"SENTINEL", "Initech", "json/plain"} {
		assert.NotContains(t, string(raw), s, "the encoded payload, metadata included, shows nothing of the value")
	}

	var out deal
	require.NoError(t, dc.FromPayload(p, &out))
	assert.Equal(t, in, out)

	// Two encodings of one value differ (a fresh nonce each), so equal values cannot be spotted in history.
	p2, err := dc.ToPayload(in)
	require.NoError(t, err)
	assert.NotEqual(t, p.Data, p2.Data)
}

func TestPlaintextPayloadsPassThrough(t *testing.T) {
	c := mustCodec(t, entry("k1", randomKey(t)))
	plain, err := converter.GetDefaultDataConverter().ToPayload(deal{Name: "old history"})
	require.NoError(t, err)
	out, err := c.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, out[0], "history written before the codec was on (and the replay tests') still reads")

	var d deal
	require.NoError(t, c.DataConverter().FromPayload(plain, &d))
	assert.Equal(t, "old history", d.Name)
}

func TestRotationOldKeysDecryptNewKeyEncrypts(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	before := mustCodec(t, entry("2026-01", k1))
	p, err := before.DataConverter().ToPayload("written under the old key")
	require.NoError(t, err)

	after := mustCodec(t, entry("2026-07", k2)+","+entry("2026-01", k1))
	var s string
	require.NoError(t, after.DataConverter().FromPayload(p, &s), "an old key listed after the new one still decrypts")
	assert.Equal(t, "written under the old key", s)

	q, err := after.DataConverter().ToPayload("new")
	require.NoError(t, err)
	assert.Equal(t, "2026-07", string(q.Metadata[MetadataKeyID]), "the first key listed encrypts")

	// Dropping the old key too early: a clear error naming the key to put back.
	newOnly := mustCodec(t, entry("2026-07", k2))
	err = newOnly.DataConverter().FromPayload(p, &s)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `encrypted with key "2026-01", which is not among the keys this process holds (2026-07)`)
	assert.Contains(t, err.Error(), KeysEnv)
}

func TestTamperingFails(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	c := mustCodec(t, entry("a", k1)+" "+entry("b", k2))
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"amount 100"`)}})
	require.NoError(t, err)

	flipped := clone(enc[0])
	flipped.Data[len(flipped.Data)-5] ^= 0x01
	_, err = c.Decode([]*commonpb.Payload{flipped})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "authentication failed")

	// The same ciphertext relabelled with the other key id does not decrypt: the id is authenticated.
	relabelled := clone(enc[0])
	relabelled.Metadata[MetadataKeyID] = []byte("b")
	_, err = c.Decode([]*commonpb.Payload{relabelled})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "authentication failed")

	short := clone(enc[0])
	short.Data = short.Data[:10]
	_, err = c.Decode([]*commonpb.Payload{short})
	assert.ErrorContains(t, err, "too short")

	noID := clone(enc[0])
	delete(noID.Metadata, MetadataKeyID)
	_, err = c.Decode([]*commonpb.Payload{noID})
	assert.ErrorContains(t, err, "names no key id")

	other := clone(enc[0])
	other.Metadata[MetadataCipher] = []byte("ChaCha20")
	_, err = c.Decode([]*commonpb.Payload{other})
	assert.ErrorContains(t, err, `cipher "ChaCha20"`)

	out, err := c.Decode(enc)
	require.NoError(t, err, "the untouched payload still decrypts")
	assert.Equal(t, `"amount 100"`, string(out[0].Data))
}

func clone(p *commonpb.Payload) *commonpb.Payload {
	q := &commonpb.Payload{Metadata: map[string][]byte{}, Data: bytes.Clone(p.Data)}
	for k, v := range p.Metadata {
		q.Metadata[k] = bytes.Clone(v)
	}
	return q
}

func TestMalformedKeyConfigIsRefusedWithoutPrintingTheKey(t *testing.T) {
	good := randomKey(t)
	short := base64.StdEncoding.EncodeToString(good[:16])
	for _, tc := range []struct {
		name, text, want string
	}{
		{"empty", "  ", "no key"},
		{"no id", base64.StdEncoding.EncodeToString(good), "entry 1: no ':'"},
		{"bad id", "bad!id:" + base64.StdEncoding.EncodeToString(good), "entry 1: the key id"},
		{"not base64", "k1:not*base64*at*all", "entry 1: key k1: not base64"},
		{"AES-128 key", "k1:" + short, "key k1: 16 bytes after base64 decoding; AES-256 needs 32"},
		{"duplicate id", entry("k1", good) + "," + entry("k1", randomKey(t)), `key id "k1" is listed twice`},
		{"second entry", entry("k1", good) + ",k2:" + short, "entry 2: key k2: 16 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeys(tc.text, KeysEnv)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), KeysEnv), "the error names the variable: %v", err)
			assert.NotContains(t, err.Error(), base64.StdEncoding.EncodeToString(good), "no key material in the error")
			assert.NotContains(t, err.Error(), short)
		})
	}

	_, err := LoadKeys(entry("k1", good), "/some/file")
	assert.ErrorContains(t, err, "COSELL_PAYLOAD_KEYS and COSELL_PAYLOAD_KEYS_FILE are both set")
	r, err := LoadKeys("", "")
	require.NoError(t, err)
	assert.Nil(t, r, "no keys: no codec")
	_, err = LoadKeys("", filepath.Join(t.TempDir(), "missing"))
	assert.ErrorContains(t, err, KeysFileEnv)
}

func TestKeysFileWithCommentsAndLines(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	path := filepath.Join(t.TempDir(), "payload-keys")
	text := fmt.Sprintf("# current key first\n%s\n\n# kept to decrypt older history\n%s\nk3:c2hvcnQ=\n", entry("k2", k2), entry("k1", k1))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	_, err := LoadKeys("", path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+":6: entry 3: key k3: 5 bytes", "file:line of the bad entry")

	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(text, "k3:c2hvcnQ=\n", "", 1)), 0o600))
	r, err := LoadKeys("", path)
	require.NoError(t, err)
	assert.Equal(t, []string{"k2", "k1"}, r.IDs())
	assert.Equal(t, "k2", r.Current())
}

func TestAKeyNeverPrints(t *testing.T) {
	raw := randomKey(t)
	k := NewKey("k1", raw)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		assert.NotContains(t, s, base64.StdEncoding.EncodeToString(raw))
		assert.NotContains(t, s, fmt.Sprint(raw))
	}
}

func TestFailureMessagesAreEncrypted(t *testing.T) {
	c := mustCodec(t, entry("k1", randomKey(t)))
	fc := c.FailureConverter()
	f := fc.ErrorToFailure(fmt.Errorf("HubSpot refused amount SENTINEL-AMOUNT-42"))
	raw, err := f.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "SENTINEL", "a CRM's message quoting a value is encrypted too")
	assert.Contains(t, fc.FailureToError(f).Error(), "SENTINEL-AMOUNT-42", "and reads back in the worker")
}
