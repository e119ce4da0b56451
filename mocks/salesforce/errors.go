package salesforce

import (
	"encoding/json"
	"net/http"
	"strings"
)

// apiError is one entry of Salesforce's error array. Salesforce omits "fields" on session and limit errors
// and sends it (possibly empty) on record errors, so Fields is rendered only when non-nil.
type apiError struct {
	Message   string
	ErrorCode string
	Fields    []string
	status    int
}

func (e apiError) MarshalJSON() ([]byte, error) {
	m := map[string]any{"message": e.Message, "errorCode": e.ErrorCode}
	if e.Fields != nil {
		m["fields"] = e.Fields
	}
	return json.Marshal(m)
}

// saveError is an error inside a save result of sObject Collections, which names the code "statusCode".
type saveError struct {
	StatusCode string   `json:"statusCode"`
	Message    string   `json:"message"`
	Fields     []string `json:"fields"`
}

func (e *apiError) save() saveError {
	f := e.Fields
	if f == nil {
		f = []string{}
	}
	return saveError{StatusCode: e.ErrorCode, Message: e.Message, Fields: f}
}

func newErr(status int, code, msg string, fields ...string) *apiError {
	e := &apiError{status: status, ErrorCode: code, Message: msg}
	if fields != nil {
		e.Fields = fields
	}
	return e
}

// recordErr is a record-level (DML) error, which always carries a fields array.
func recordErr(code, msg string, fields ...string) *apiError {
	if fields == nil {
		fields = []string{}
	}
	return &apiError{status: http.StatusBadRequest, ErrorCode: code, Message: msg, Fields: fields}
}

func errNotFound() *apiError {
	return newErr(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
}

func errSession() *apiError {
	return newErr(http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
}

func errLimit() *apiError {
	return newErr(http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
}

func errMethod(method string, allowed ...string) *apiError {
	return newErr(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
		"HTTP Method '"+method+"' not allowed. Allowed are "+strings.Join(allowed, ","))
}

const jsonContentType = "application/json;charset=UTF-8"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, []apiError{*e})
}

// writeFaultError renders an injected fault the way Salesforce (or the load balancer in front of it)
// answers with that status, so clients are tested against the real shapes, including the non-JSON ones.
func writeFaultError(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusBadRequest:
		writeAPIError(w, recordErr("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Fault injected by the mock admin: validation rule failed"))
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Token")
		writeAPIError(w, errSession())
	case http.StatusForbidden:
		writeAPIError(w, errLimit())
	case http.StatusNotFound:
		writeAPIError(w, errNotFound())
	case http.StatusTooManyRequests:
		writeAPIError(w, newErr(status, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."))
	case http.StatusInternalServerError:
		writeAPIError(w, newErr(status, "UNKNOWN_EXCEPTION",
			"An unexpected error occurred. Please include this ErrorId if you contact support: 1386557455-78531 (-1553453426)"))
	case http.StatusServiceUnavailable:
		writeAPIError(w, newErr(status, "SERVER_UNAVAILABLE", "Server is unavailable, please try again later"))
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// The edge in front of an instance answers gateway errors with an HTML page, not JSON.
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>" + http.StatusText(status) + "</title></head><body><h1>" +
			http.StatusText(status) + "</h1><p>The server is temporarily unable to service your request.</p></body></html>\n"))
	default:
		writeAPIError(w, newErr(status, "UNKNOWN_EXCEPTION", http.StatusText(status)))
	}
}
