package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc"
)

// refusingOperator answers as Temporal Cloud's operator service does to an API key: permission denied.
type refusingOperator struct {
	operatorservice.OperatorServiceClient
}

func (refusingOperator) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	return nil, serviceerror.NewPermissionDenied("Request unauthorized.", "")
}

func TestSearchAttributesRefusedPointsAtTcld(t *testing.T) {
	var out bytes.Buffer
	err := registerSearchAttributes(context.Background(), refusingOperator{}, "cosell.a1b2c", false, time.Minute, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Request unauthorized.", "the server's own message")
	assert.Contains(t, err.Error(), "tcld namespace search-attributes add --namespace cosell.a1b2c --search-attribute CoSellRecords=KeywordList")
}

// slowNamespace answers NamespaceNotFound for its first calls, as a cluster does until its namespace
// cache has seen a namespace just created, then lists no custom attribute and accepts the add.
type slowNamespace struct {
	operatorservice.OperatorServiceClient
	notFound int
	added    map[string]enumspb.IndexedValueType
}

func (o *slowNamespace) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	if o.notFound > 0 {
		o.notFound--
		return nil, serviceerror.NewNamespaceNotFound("cosell")
	}
	return &operatorservice.ListSearchAttributesResponse{}, nil
}

func (o *slowNamespace) AddSearchAttributes(_ context.Context, r *operatorservice.AddSearchAttributesRequest, _ ...grpc.CallOption) (*operatorservice.AddSearchAttributesResponse, error) {
	o.added = r.SearchAttributes
	return &operatorservice.AddSearchAttributesResponse{}, nil
}

func TestSearchAttributesWaitForANewNamespace(t *testing.T) {
	op := &slowNamespace{notFound: 1}
	var out bytes.Buffer
	require.NoError(t, registerSearchAttributes(context.Background(), op, "cosell", false, time.Minute, &out))
	assert.Contains(t, out.String(), "namespace cosell is not served yet; waiting")
	assert.Equal(t, map[string]enumspb.IndexedValueType{"CoSellRecords": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST}, op.added)

	// Past the wait, the server's own error.
	op = &slowNamespace{notFound: 1000}
	err := registerSearchAttributes(context.Background(), op, "cosell", false, 0, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Namespace cosell is not found")
	assert.Nil(t, op.added)
}
