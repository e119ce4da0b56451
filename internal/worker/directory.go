package worker

import (
	"context"
	"fmt"
	"log/slog"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/cosellsync/cosell/api"
)

// checkDirectory makes sure the namespace has the record directory's search attribute. Without it
// every deal's workflow task fails on its first upsert and every feed poll on its first look-up, so
// nothing would sync; a worker refuses to start instead, and says how to register it. A server that
// will not list its search attributes (an API key without the permission) is trusted, with a warning.
func checkDirectory(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string, log *slog.Logger) error {
	res, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		log.Warn("cannot list the namespace's search attributes; assuming the record directory is registered",
			"namespace", namespace, "attribute", api.CoSellRecordsAttribute, "error", err)
		return nil
	}
	create := fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type KeywordList",
		namespace, api.CoSellRecordsAttribute)
	switch t, ok := res.GetCustomAttributes()[api.CoSellRecordsAttribute]; {
	case !ok:
		return fmt.Errorf("%w: namespace %s has no search attribute %s, the deals' record directory; register it once with `%s` (README, Temporal setup)",
			ErrConfig, namespace, api.CoSellRecordsAttribute, create)
	case t != enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST:
		return fmt.Errorf("%w: search attribute %s of namespace %s is a %s; it must be a KeywordList (README, Temporal setup)",
			ErrConfig, api.CoSellRecordsAttribute, namespace, t)
	}
	return nil
}
