package worker

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"google.golang.org/grpc"
)

// operator answers ListSearchAttributes as a namespace with the given custom attributes would.
type operator struct {
	operatorservice.OperatorServiceClient
	custom map[string]enumspb.IndexedValueType
	err    error
}

func (o operator) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	if o.err != nil {
		return nil, o.err
	}
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: o.custom}, nil
}

func TestWorkerRefusesANamespaceWithoutTheRecordDirectory(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	require.NoError(t, checkDirectory(ctx, operator{custom: map[string]enumspb.IndexedValueType{
		"CoSellRecords": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST}}, "cosell", log))

	err := checkDirectory(ctx, operator{custom: map[string]enumspb.IndexedValueType{"Other": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}, "cosell", log)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "temporal operator search-attribute create --namespace cosell --name CoSellRecords --type KeywordList",
		"the error says how to fix it")

	err = checkDirectory(ctx, operator{custom: map[string]enumspb.IndexedValueType{"CoSellRecords": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}, "cosell", log)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "must be a KeywordList")

	assert.NoError(t, checkDirectory(ctx, operator{err: errors.New("PermissionDenied")}, "cosell", log),
		"a server that will not say is trusted")
}
