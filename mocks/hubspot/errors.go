package hubspot

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an error answered in HubSpot's shape. Every field but Status and Message is optional, as in
// HubSpot, where "the fields in the example response should all be treated as optional".
type apiError struct {
	HTTPStatus  int                 `json:"-"`
	Status      string              `json:"status"`
	Message     string              `json:"message"`
	Correlation string              `json:"correlationId"`
	Category    string              `json:"category,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Errors      []errorDetail       `json:"errors,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
	// Rate-limit answers carry these instead of a category.
	ErrorType  string `json:"errorType,omitempty"`
	PolicyName string `json:"policyName,omitempty"`
	GroupName  string `json:"groupName,omitempty"`
}

// errorDetail is one entry of an error's "errors" array.
type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

// Error makes an apiError usable as a Go error in the fake's own code paths.
func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.HTTPStatus, e.Category, e.Message)
}

func newError(status int, category, format string, args ...any) *apiError {
	return &apiError{HTTPStatus: status, Status: "error", Category: category, Message: fmt.Sprintf(format, args...)}
}

// propertyProblem is one entry of the JSON list HubSpot embeds in a "Property values were not valid"
// message; its "error" is the specific code (INVALID_OPTION, PROPERTY_DOESNT_EXIST, ...) and "name" the
// property.
type propertyProblem struct {
	IsValid               bool   `json:"isValid"`
	Message               string `json:"message"`
	Error                 string `json:"error"`
	Name                  string `json:"name"`
	LocalizedErrorMessage string `json:"localizedErrorMessage"`
	PortalID              int    `json:"portalId"`
}

// invalidProperties builds HubSpot's 400 for property values that failed validation: the problems as a
// JSON list inside the message (as HubSpot does), and again as structured errors with the property name
// in context.propertyName.
func invalidProperties(portalID int, problems []propertyProblem) *apiError {
	for i := range problems {
		problems[i].PortalID = portalID
		problems[i].LocalizedErrorMessage = problems[i].Message
	}
	list, _ := json.Marshal(problems)
	e := newError(http.StatusBadRequest, "VALIDATION_ERROR", "Property values were not valid: %s", list)
	for _, p := range problems {
		e.Errors = append(e.Errors, errorDetail{
			Message: p.Message,
			Code:    p.Error,
			Context: map[string][]string{"propertyName": {p.Name}},
		})
	}
	return e
}

func validationError(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "VALIDATION_ERROR", format, args...)
}

func notFound() *apiError {
	return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeAPIError answers e, stamping a fresh correlation id in the body and the header as HubSpot does.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	if e.Correlation == "" {
		e.Correlation = newCorrelationID()
	}
	w.Header().Set("X-HubSpot-Correlation-Id", e.Correlation)
	writeJSON(w, e.HTTPStatus, e)
}

// defaultFaultError renders an injected fault's status in HubSpot's own shape, so a client's error
// parsing is exercised by faults exactly as by real failures.
func (s *Server) defaultFaultError(w http.ResponseWriter, status int) {
	var e *apiError
	switch {
	case status == http.StatusTooManyRequests:
		e = s.rateLimitError(policyTenSecondly, "")
		s.setRateHeadersExhausted(w)
	case status == http.StatusUnauthorized:
		e = newError(status, "INVALID_AUTHENTICATION", authNotFoundMessage)
	case status == http.StatusForbidden:
		e = newError(status, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.")
	case status == http.StatusNotFound:
		e = notFound()
	case status == http.StatusConflict:
		e = newError(status, "CONFLICT", "The request conflicts with the current state of the object.")
	case status == http.StatusLocked:
		e = newError(status, "LOCKED", "The object is locked by a concurrent write; retry after 2 seconds.")
	case status == http.StatusBadRequest:
		e = validationError("Invalid input JSON on line 1, column 1: the request could not be parsed.")
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		e = newError(status, "", "The server encountered a temporary error and could not complete your request. Please try again later.")
		e.Status = "error"
	case status == http.StatusServiceUnavailable:
		e = newError(status, "SERVICE_UNAVAILABLE", "Service temporarily unavailable. Please try again later.")
	case status >= 500:
		e = newError(status, "INTERNAL_ERROR", "internal error")
	default:
		e = newError(status, "", "%s", strings.ToLower(http.StatusText(status)))
	}
	writeAPIError(w, e)
}

// newCorrelationID returns a random UUID v4, the form HubSpot's correlation ids take.
func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// invalidJSON is HubSpot's answer to a body it cannot parse.
func invalidJSON(err error) *apiError {
	return validationError("Invalid input JSON on line 1: %v", err)
}
