package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	err := registerSearchAttributes(context.Background(), refusingOperator{}, "cosell.a1b2c", false, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Request unauthorized.", "the server's own message")
	assert.Contains(t, err.Error(), "tcld namespace search-attributes add --namespace cosell.a1b2c --search-attribute CoSellRecords=KeywordList")
}
