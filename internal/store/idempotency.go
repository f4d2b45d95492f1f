package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/cliente"
)

// Kept answers of creates made with an Idempotency-Key live in the same
// table under their own partition key, so no listing of clientes ever reads
// them. Their id is a hash of the caller and the key: any key fits in a sort
// key, and the raw key is never stored.
const (
	keptKind = "idempotencia"
	// ExpiryAttr is the epoch second a kept answer expires at. The code
	// checks it itself; the table's TTL, on this attribute, deletes expired
	// answers later (DynamoDB's TTL runs up to days late).
	ExpiryAttr  = "expira_en"
	fingerprint = "huella"
	keptBody    = "respuesta"
	keptID      = "cliente_id"
)

// KeepFor is how long a create's answer is kept under its Idempotency-Key.
const KeepFor = 24 * time.Hour

// Errors of creates with an Idempotency-Key.
var (
	// ErrKeyReused: the key's kept answer is of a different request.
	ErrKeyReused = errors.New("store: idempotency key used by another request")
	// ErrKeyInFlight: a request with the key is being written right now.
	ErrKeyInFlight = errors.New("store: idempotency key in flight")
)

// Kept is the answer a create with an Idempotency-Key gave, kept to be
// given again.
type Kept struct {
	ClienteID int64
	ETag      string
	Body      string
}

// Render writes the body of a created cliente's answer.
type Render func(cliente.Cliente) (string, error)

// CreateOnce creates a cliente at most once per caller and key within
// KeepFor. The first request creates it and keeps render's answer; the same
// request again gets that answer back (replayed), whatever became of the
// cliente since; another request with the key gets ErrKeyReused.
//
// The cliente and its kept answer are written together in one transaction,
// so no crash, timeout or retry can leave one without the other: an answer
// is kept only for a cliente that was stored, and a retry after any failure
// finds either both or neither. Three requests: a consistent read of the
// key, the id counter, the transaction; a replay costs the read alone.
func (s *Store) CreateOnce(ctx context.Context, c cliente.Changes, caller, idemKey string, render Render) (kept Kept, replayed bool, err error) {
	work, done := budget(ctx)
	defer done()
	k := keptKey(caller, idemKey)
	fp := fingerprintOf(c)
	found, err := s.getKept(work, k)
	if err != nil {
		return Kept{}, false, err
	}
	if kept, ok, err := s.replay(found, fp); ok || err != nil {
		return kept, ok, err
	}
	id, err := s.nextID(work)
	if err != nil {
		return Kept{}, false, err
	}
	rec := s.newCliente(id, c)
	body, err := render(rec)
	if err != nil {
		return Kept{}, false, err
	}
	kept = Kept{ClienteID: id, ETag: rec.ETag, Body: body}
	item := map[string]types.AttributeValue{
		PartitionKey: k[PartitionKey],
		SortKey:      k[SortKey],
		fingerprint:  &types.AttributeValueMemberS{Value: fp},
		keptID:       &types.AttributeValueMemberN{Value: strconv.FormatInt(id, 10)},
		etagAttr:     &types.AttributeValueMemberS{Value: rec.ETag},
		keptBody:     &types.AttributeValueMemberS{Value: body},
		ExpiryAttr:   &types.AttributeValueMemberN{Value: strconv.FormatInt(s.now().Add(KeepFor).Unix(), 10)},
	}
	put := s.putNew(rec)
	_, err = s.db.TransactWriteItems(work, &dynamodb.TransactWriteItemsInput{
		// AWS makes a retried transaction with the same token a no-op; the
		// tag conditions make it succeed on implementations that do not.
		ClientRequestToken: aws.String(rec.ETag),
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName:                 put.TableName,
				Item:                      put.Item,
				ConditionExpression:       put.ConditionExpression,
				ExpressionAttributeNames:  put.ExpressionAttributeNames,
				ExpressionAttributeValues: put.ExpressionAttributeValues,
			}},
			{Put: &types.Put{
				TableName: &s.table,
				Item:      item,
				// A new key, an expired one, or this very write retried.
				ConditionExpression:      aws.String("attribute_not_exists(#id) OR #exp <= :now OR #etag = :etag"),
				ExpressionAttributeNames: map[string]string{"#id": SortKey, "#exp": ExpiryAttr, "#etag": etagAttr},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":now":  &types.AttributeValueMemberN{Value: strconv.FormatInt(s.now().Unix(), 10)},
					":etag": &types.AttributeValueMemberS{Value: rec.ETag},
				},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
		},
	})
	if err == nil {
		return kept, false, nil
	}
	var inProgress *types.TransactionInProgressException
	if errors.As(err, &inProgress) {
		// The SDK's retries kept meeting this transaction's first attempt
		// still running: the client may come back, as for a key in flight.
		return Kept{}, false, fmt.Errorf("create with a key: %w: %w", ErrKeyInFlight, err)
	}
	var canceled *types.TransactionCanceledException
	keyTaken := errors.As(err, &canceled) && len(canceled.CancellationReasons) == 2 &&
		aws.ToString(canceled.CancellationReasons[1].Code) == "ConditionalCheckFailed"
	if !keyTaken && s.settleCreate(ctx, rec, err) == nil {
		// An earlier attempt landed, its answer lost: the cliente, and with
		// it the kept answer (one transaction), is stored.
		return kept, false, nil
	}
	if !errors.As(err, &canceled) || len(canceled.CancellationReasons) != 2 {
		return Kept{}, false, classify("create cliente "+strconv.FormatInt(id, 10)+" with a key", err)
	}
	if throttledTransaction(err).Bool() {
		// Still throttled after the SDK's retries.
		return Kept{}, false, fmt.Errorf("create with a key: %w: %w", ErrUnavailable, err)
	}
	for _, r := range canceled.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			// Another request is writing the same key (or id) this moment.
			return Kept{}, false, fmt.Errorf("create with a key: %w: %w", ErrKeyInFlight, err)
		}
	}
	if aws.ToString(canceled.CancellationReasons[1].Code) != "ConditionalCheckFailed" {
		return Kept{}, false, fmt.Errorf("create cliente %d with a key: %w", id, err)
	}
	// A concurrent request with the same key won: its answer is kept, and
	// its cliente stored with it. This request's id is skipped, never reused.
	old := canceled.CancellationReasons[1].Item
	if len(old) == 0 {
		// The DynamoDB did not return the item with the cancellation
		// (minidyn v0.8.2 does not; AWS does): one consistent read, on
		// this losing path only.
		if old, err = s.getKept(work, k); err != nil {
			return Kept{}, false, err
		}
	}
	if kept, ok, err := s.replay(old, fp); ok || err != nil {
		return kept, ok, err
	}
	return Kept{}, false, fmt.Errorf("create cliente %d with a key: kept answer vanished: %w", id, err)
}

// getKept reads the answer kept under k, with a consistent read; nil when
// there is none.
func (s *Store) getKept(ctx context.Context, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, classify("get kept answer", err)
	}
	return out.Item, nil
}

// replay reads a kept answer: ok when it is there, unexpired and of the same
// request; ErrKeyReused when it is of another.
func (s *Store) replay(item map[string]types.AttributeValue, fp string) (Kept, bool, error) {
	if len(item) == 0 {
		return Kept{}, false, nil
	}
	num := func(name string) int64 {
		v, _ := item[name].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	str := func(name string) string {
		v, _ := item[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	if num(ExpiryAttr) <= s.now().Unix() {
		return Kept{}, false, nil // expired: the key is free again
	}
	if str(fingerprint) != fp {
		return Kept{}, false, ErrKeyReused
	}
	kept := Kept{ClienteID: num(keptID), ETag: str(etagAttr), Body: str(keptBody)}
	if kept.ClienteID < 1 || kept.Body == "" || !IsETag(kept.ETag) {
		return Kept{}, false, fmt.Errorf("kept answer is damaged")
	}
	return kept, true, nil
}

// keptKey is where the answer for caller's key is kept.
func keptKey(caller, idemKey string) map[string]types.AttributeValue {
	h := sha256.Sum256([]byte(caller + "\x00" + idemKey))
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: keptKind},
		SortKey:      &types.AttributeValueMemberS{Value: hex.EncodeToString(h[:])},
	}
}

// fingerprintOf tells requests apart by what they would create: the fields
// after trimming and validation, so white space, key order and an explicit
// null do not make two requests different.
func fingerprintOf(c cliente.Changes) string {
	b, _ := json.Marshal([]*string{c.Nombres.Value, c.Apellidos.Value, c.Telefono.Value, c.Email.Value})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
