// Package store keeps clientes in one DynamoDB table, each operation in the
// fewest requests DynamoDB allows: conditions and ReturnValues, never a read
// before a write.
//
// All clientes share the partition key value "cliente" and sort by their id,
// so one Query reads a page in id order with strong consistency and no index
// to pay for. The id is stored as a fixed-width decimal string, whose
// lexicographic order is numeric order on every implementation (minidyn
// v0.8.2 sorts number sort keys as strings: 1, 10, 2). The id counter is one
// more item in the same table.
package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/clientes-api/clientes/internal/cliente"
)

// Errors the API maps to its own answers.
var (
	// ErrNotFound: no cliente has that id (or it was deleted).
	ErrNotFound = errors.New("store: cliente not found")
	// ErrUnavailable: DynamoDB kept throttling after the SDK's retries.
	ErrUnavailable = errors.New("store: dynamodb throttled")
)

// Key attribute names and the values that tell records from the counter.
const (
	PartitionKey = "pk"
	SortKey      = "id"
	clienteKind  = "cliente"
	counterKind  = "contador"
	counterAttr  = "ultimo_id"
	// etagAttr holds the record's entity tag, a random token written anew
	// by every write. Besides telling versions apart for If-Match, it lets
	// a write's condition recognise the write itself when the SDK retries
	// it after a lost response.
	etagAttr = "etag"
)

// API is the part of the DynamoDB client the store calls; each method is one
// request.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes clientes in one table.
type Store struct {
	db    API
	table string
	now   func() time.Time
	// oldItems: the DynamoDB returns the item with a failed condition
	// (ReturnValuesOnConditionCheckFailure) on every write, as AWS does.
	oldItems bool
}

// New returns a Store over table. now stamps created_at and updated_at; nil
// means time.Now.
func New(db API, table string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

// ReturnsOldItems tells s that its DynamoDB returns the item a failed
// condition found, on PutItem, UpdateItem, DeleteItem and in transactions,
// as AWS does. Without it, a failed If-Match that comes back without the
// item is told apart from a missing id by one consistent read: dynalite
// never returns the item, and minidyn does so on UpdateItem alone.
func (s *Store) ReturnsOldItems() *Store {
	s.oldItems = true
	return s
}

// Page is one page of a listing. Next is the id to list after for the next
// page, or 0 when nothing follows.
type Page struct {
	Clientes []cliente.Cliente
	Next     int64
}

// Create stores a new cliente under the next id: one counter step, then one
// conditional put.
func (s *Store) Create(ctx context.Context, c cliente.Changes) (cliente.Cliente, error) {
	work, done := budget(ctx)
	defer done()
	id, err := s.nextID(work)
	if err != nil {
		return cliente.Cliente{}, err
	}
	rec := s.newCliente(id, c)
	_, err = s.db.PutItem(work, s.putNew(rec), noBlindRetry)
	if err != nil {
		if s.settleCreate(ctx, rec, err) == nil {
			return rec, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			// Another item holds this id: only a counter set back by hand
			// gets here.
			return cliente.Cliente{}, fmt.Errorf("put cliente %d: id already taken: %w", id, err)
		}
		return cliente.Cliente{}, classify("put cliente "+strconv.FormatInt(id, 10), err)
	}
	return rec, nil
}

// newCliente is the record c creates under id.
func (s *Store) newCliente(id int64, c cliente.Changes) cliente.Cliente {
	now := cliente.Timestamp(s.now())
	return cliente.Cliente{
		ID:        id,
		Nombres:   *c.Nombres.Value,
		Apellidos: *c.Apellidos.Value,
		Telefono:  c.Telefono.Value,
		Email:     c.Email.Value,
		CreatedAt: now,
		UpdatedAt: now,
		ETag:      newETag(),
	}
}

// putNew is the conditional put of a new record. The record's entity tag
// lets the condition tell a retry of this very put (its first response lost
// after DynamoDB applied it) from a clash, so the retry succeeds and the
// create is reported once, without a read.
func (s *Store) putNew(rec cliente.Cliente) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     toItem(rec),
		ConditionExpression:      aws.String("attribute_not_exists(#id) OR #etag = :etag"),
		ExpressionAttributeNames: map[string]string{"#id": SortKey, "#etag": etagAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":etag": &types.AttributeValueMemberS{Value: rec.ETag},
		},
	}
}

func (s *Store) nextID(ctx context.Context) (int64, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(counterKind, 0),
		UpdateExpression:          aws.String("ADD #n :one"),
		ExpressionAttributeNames:  map[string]string{"#n": counterAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, classify("next id", err)
	}
	n, ok := out.Attributes[counterAttr].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("next id: counter missing from response")
	}
	id, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || id < 1 || id > cliente.MaxID {
		return 0, fmt.Errorf("next id: counter value %q out of range", n.Value)
	}
	return id, nil
}

// Get reads one cliente with a strongly consistent read, so a cliente is
// readable as soon as its create has answered. A cliente an earlier release
// wrote gets its entity tag here, on the first read that hands one out.
func (s *Store) Get(ctx context.Context, id int64) (cliente.Cliente, error) {
	work, done := budget(ctx)
	defer done()
	item, err := s.getItem(work, id)
	if err != nil {
		return cliente.Cliente{}, err
	}
	return s.current(work, id, item)
}

// getItem reads cliente id's item with a strongly consistent read.
func (s *Store) getItem(ctx context.Context, id int64, optFns ...func(*dynamodb.Options)) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(clienteKind, id),
		ConsistentRead: aws.Bool(true),
	}, optFns...)
	if err != nil {
		return nil, classify("get cliente "+strconv.FormatInt(id, 10), err)
	}
	if out.Item == nil {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// List returns up to limit clientes with ids above after, in id order. It asks
// for one item more than it returns, so that the last page is known to be last
// without a second request.
func (s *Store) List(ctx context.Context, after int64, limit int) (Page, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("#pk = :pk AND #id > :after"),
		ExpressionAttributeNames: map[string]string{
			"#pk": PartitionKey,
			"#id": SortKey,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":    &types.AttributeValueMemberS{Value: clienteKind},
			":after": &types.AttributeValueMemberS{Value: sortKey(after)},
		},
		Limit:          aws.Int32(int32(limit) + 1),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Page{}, classify("query clientes", err)
	}
	items := out.Items
	more := len(items) > limit || (out.LastEvaluatedKey != nil && len(items) > 0)
	if len(items) > limit {
		items = items[:limit]
	}
	page := Page{Clientes: make([]cliente.Cliente, 0, len(items))}
	for _, it := range items {
		c, err := fromItem(it)
		if err != nil {
			return Page{}, err
		}
		page.Clientes = append(page.Clientes, c)
	}
	if more {
		page.Next = page.Clientes[len(page.Clientes)-1].ID
	}
	return page, nil
}

// Update applies c to an existing cliente in one conditional UpdateItem and
// returns the whole record after it, with a new entity tag and its stamp.
// The condition keeps an update from ever creating a record, bringing back a
// deleted one, or landing on an item it could not answer with; and it holds
// m: a stale tag fails the write itself, with no read first.
func (s *Store) Update(ctx context.Context, id int64, c cliente.Changes, m IfMatch) (cliente.Cliente, error) {
	work, done := budget(ctx)
	defer done()
	etag := newETag()
	names := map[string]string{}
	values := map[string]types.AttributeValue{
		":updated_at": &types.AttributeValueMemberS{Value: cliente.Timestamp(s.now())},
		":etag":       &types.AttributeValueMemberS{Value: etag},
	}
	sets := []string{}
	for _, attr := range []string{"updated_at", etagAttr} {
		sets = append(sets, name(names, attr)+" = :"+attr, name(names, stampPrefix+attr)+" = :"+attr)
	}
	for _, f := range []struct {
		name  string
		field cliente.Field
	}{
		{cliente.Nombres, c.Nombres},
		{cliente.Apellidos, c.Apellidos},
		{cliente.Telefono, c.Telefono},
		{cliente.Email, c.Email},
	} {
		a, st := name(names, f.name), name(names, stampPrefix+f.name)
		switch {
		case f.field.Set && f.field.Value == nil:
			// A cleared field is stored as NULL rather than REMOVEd: minidyn,
			// which `make run` uses, ignores REMOVE (v0.8.2), and a NULL
			// reads back as null on every implementation.
			values[":"+f.name] = &types.AttributeValueMemberNULL{Value: true}
		case f.field.Set:
			values[":"+f.name] = &types.AttributeValueMemberS{Value: *f.field.Value}
		case slices.Contains(nullable, f.name):
			// Kept as it is, but NULL where an earlier release left it out,
			// so that the stamp has a value to compare.
			values[":nulo"] = &types.AttributeValueMemberNULL{Value: true}
			sets = append(sets, a+" = if_not_exists("+a+", :nulo)", st+" = if_not_exists("+a+", :nulo)")
			continue
		default:
			sets = append(sets, st+" = "+a)
			continue
		}
		sets = append(sets, a+" = :"+f.name, st+" = :"+f.name)
	}
	cond := m.condition(names, values) + " AND " + readable(names, values)
	out, err := s.db.UpdateItem(work, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 key(clienteKind, id),
		UpdateExpression:                    aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, noBlindRetry)
	if err != nil {
		if stored, err := s.settle(ctx, id, etag, err); err == nil {
			return stored, nil
		}
		return cliente.Cliente{}, s.failed(work, "update cliente", id, m, err)
	}
	return fromItem(out.Attributes)
}

// Delete removes a cliente in one conditional DeleteItem, which holds m and
// refuses an item it could not answer with, and returns it as it was.
func (s *Store) Delete(ctx context.Context, id int64, m IfMatch) (cliente.Cliente, error) {
	work, done := budget(ctx)
	defer done()
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	cond := m.condition(names, values) + " AND " + readable(names, values)
	out, err := s.db.DeleteItem(work, &dynamodb.DeleteItemInput{
		TableName:                           &s.table,
		Key:                                 key(clienteKind, id),
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return cliente.Cliente{}, s.failed(work, "delete cliente", id, m, s.settleDelete(ctx, id, err))
	}
	return fromItem(out.Attributes)
}

// throttleCodes are the DynamoDB error codes that mean "slow down".
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
}

// classify turns a DynamoDB error into ErrNotFound, ErrUnavailable or a
// wrapped error, keeping the cause for the logs.
func classify(op string, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ErrNotFound
	}
	var api smithy.APIError
	if errors.As(err, &api) && throttleCodes[api.ErrorCode()] {
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func key(kind string, id int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: kind},
		SortKey:      &types.AttributeValueMemberS{Value: sortKey(id)},
	}
}

// sortKey writes id in 16 digits, the width of cliente.MaxID.
func sortKey(id int64) string { return fmt.Sprintf("%016d", id) }

func toItem(c cliente.Cliente) map[string]types.AttributeValue {
	item := key(clienteKind, c.ID)
	item[cliente.Nombres] = &types.AttributeValueMemberS{Value: c.Nombres}
	item[cliente.Apellidos] = &types.AttributeValueMemberS{Value: c.Apellidos}
	if c.Telefono != nil {
		item[cliente.Telefono] = &types.AttributeValueMemberS{Value: *c.Telefono}
	}
	if c.Email != nil {
		item[cliente.Email] = &types.AttributeValueMemberS{Value: *c.Email}
	}
	item["created_at"] = &types.AttributeValueMemberS{Value: c.CreatedAt}
	item["updated_at"] = &types.AttributeValueMemberS{Value: c.UpdatedAt}
	item[etagAttr] = &types.AttributeValueMemberS{Value: c.ETag}
	stamp(item)
	return item
}

func fromItem(item map[string]types.AttributeValue) (cliente.Cliente, error) {
	var c cliente.Cliente
	sk, ok := item[SortKey].(*types.AttributeValueMemberS)
	if !ok {
		return c, fmt.Errorf("item without an id")
	}
	id, err := strconv.ParseInt(sk.Value, 10, 64)
	if err != nil || len(sk.Value) != 16 {
		return c, fmt.Errorf("item id %q is not 16 digits", sk.Value)
	}
	c.ID = id
	str := func(name string) *string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			return &v.Value
		}
		return nil
	}
	for name, dst := range map[string]*string{
		cliente.Nombres:   &c.Nombres,
		cliente.Apellidos: &c.Apellidos,
		"created_at":      &c.CreatedAt,
		"updated_at":      &c.UpdatedAt,
	} {
		v := str(name)
		if v == nil {
			return c, fmt.Errorf("item %d without %s", id, name)
		}
		*dst = *v
	}
	c.Telefono = str(cliente.Telefono)
	c.Email = str(cliente.Email)
	if tag := str(etagAttr); tag != nil {
		c.ETag = *tag // 1.0.0's clientes have none until retagged
	}
	return c, nil
}
