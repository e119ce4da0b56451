package hubspot

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func fixedNow() time.Time { return time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC) }

func TestClassify(t *testing.T) {
	validation := `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"x was not one of the allowed options\",\"error\":\"INVALID_OPTION\",\"name\":\"dealstage\"},{\"isValid\":false,\"message\":\"Property \\\"foo\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"foo\"}]","correlationId":"c1","category":"VALIDATION_ERROR"}`
	e := classify("op", 400, http.Header{}, []byte(validation), fixedNow)
	assert.Equal(t, "VALIDATION_ERROR", e.Code)
	assert.Equal(t, []string{"dealstage", "foo"}, e.Fields, "names from the message's embedded list when errors[] is absent")
	assert.False(t, e.Retryable)

	withErrors := `{"status":"error","message":"m","category":"VALIDATION_ERROR","errors":[{"message":"x","code":"INVALID_INTEGER","context":{"propertyName":["discount"]}}]}`
	assert.Equal(t, []string{"discount"}, classify("op", 400, http.Header{}, []byte(withErrors), fixedNow).Fields)

	h := http.Header{}
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
	e = classify("op", 429, h, []byte(`{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`), fixedNow)
	assert.Equal(t, "TEN_SECONDLY_ROLLING", e.Code)
	assert.True(t, e.Retryable)
	assert.Equal(t, 10*time.Second, e.RetryAfter)

	h.Set("Retry-After", "3")
	e = classify("op", 429, h, []byte(`{"policyName":"TEN_SECONDLY_ROLLING"}`), fixedNow)
	assert.Equal(t, 3*time.Second, e.RetryAfter)

	e = classify("op", 429, http.Header{}, []byte(`{"policyName":"DAILY","message":"You have reached your daily limit."}`), fixedNow)
	assert.Equal(t, 5*time.Hour+30*time.Minute, e.RetryAfter, "until midnight UTC")

	e = classify("op", 404, http.Header{}, []byte(`{"status":"error","message":"resource not found","category":"OBJECT_NOT_FOUND"}`), fixedNow)
	assert.True(t, e.NotFound)
	assert.False(t, e.Retryable)

	e = classify("op", 502, http.Header{}, []byte(`<html>bad gateway</html>`), fixedNow)
	assert.True(t, e.Retryable)
	assert.Equal(t, "<html>bad gateway</html>", e.Message, "a body that is not HubSpot JSON is kept as the message")

	e = classify("op", 400, http.Header{}, []byte(`{"error":"invalid_grant","error_description":"refresh token is invalid, expired or revoked","status":"BAD_REFRESH_TOKEN","message":"refresh token is invalid, expired or revoked"}`), fixedNow)
	assert.Equal(t, "BAD_REFRESH_TOKEN", e.Code)

	e = classify("op", 423, http.Header{}, nil, fixedNow)
	assert.True(t, e.Retryable)
	assert.Equal(t, 2*time.Second, e.RetryAfter)
}
