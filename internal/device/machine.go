package device

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// ItemStatus is where an item stands.
type ItemStatus string

// Item statuses.
const (
	InStock  ItemStatus = "in_stock"  // 在库
	OnLoan   ItemStatus = "on_loan"   // 借出
	InRepair ItemStatus = "in_repair" // 维修中
	Scrapped ItemStatus = "scrapped"  // 已报废
	Lost     ItemStatus = "lost"      // 已丢失（借用人报失）
)

// ItemStatuses in display order.
var ItemStatuses = []ItemStatus{InStock, OnLoan, InRepair, Scrapped, Lost}

// Valid reports whether s is a known status.
func (s ItemStatus) Valid() bool { return slices.Contains(ItemStatuses, s) }

// Action is what happens to an item.
type Action string

// Actions on items. Receive creates an item in stock; the others are
// moves of the table below.
const (
	ActReceive      Action = "receive"       // 入库
	ActMove         Action = "move"          // 调拨（县中心 ↔ 乡镇残疾人之家）
	ActRepair       Action = "repair"        // 送修
	ActRepaired     Action = "repaired"      // 修复入库
	ActScrap        Action = "scrap"         // 报废
	ActLend         Action = "lend"          // 借出
	ActReturn       Action = "return"        // 归还（完好或磨损）
	ActReturnRepair Action = "return_repair" // 归还，需维修：直接送修
	ActExtend       Action = "extend"        // 续借（一次）
	ActLose         Action = "lose"          // 报失
	ActFound        Action = "found"         // 丢失后找回
)

// Actions in display order.
var Actions = []Action{ActReceive, ActMove, ActRepair, ActRepaired, ActScrap, ActLend, ActReturn, ActReturnRepair, ActExtend, ActLose, ActFound}

// Transition is one allowed move of an item: from a status, by an action,
// to a status, by whoever holds Perm.
type Transition struct {
	From   ItemStatus
	Action Action
	To     ItemStatus
	Perm   auth.Perm
}

// Transitions is the one table of every allowed move of an item; whatever
// is not here is refused. Lending and what follows a loan are the front
// line's (township workers lend their own stock); the inventory itself is
// the rehabilitation department's.
var Transitions = []Transition{
	{InStock, ActMove, InStock, auth.PermProgrammeWrite},
	{InStock, ActRepair, InRepair, auth.PermProgrammeWrite},
	{InRepair, ActRepaired, InStock, auth.PermProgrammeWrite},
	{InStock, ActScrap, Scrapped, auth.PermProgrammeWrite},
	{InRepair, ActScrap, Scrapped, auth.PermProgrammeWrite},
	{InStock, ActLend, OnLoan, auth.PermProgrammeApply},
	{OnLoan, ActReturn, InStock, auth.PermProgrammeApply},
	{OnLoan, ActReturnRepair, InRepair, auth.PermProgrammeApply},
	{OnLoan, ActExtend, OnLoan, auth.PermProgrammeApply},
	{OnLoan, ActLose, Lost, auth.PermProgrammeApply},
	{Lost, ActFound, InStock, auth.PermProgrammeWrite},
}

// Next returns the transition for action a on an item in status from; ok
// is false when the table does not allow it.
func Next(from ItemStatus, a Action) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.From == from && tr.Action == a {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions the table allows on an item in status s.
func Allowed(s ItemStatus) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// Condition is the state of an item (成色).
type Condition string

// Conditions.
const (
	CondNew         Condition = "new"          // 全新
	CondGood        Condition = "good"         // 良好
	CondWorn        Condition = "worn"         // 有磨损
	CondNeedsRepair Condition = "needs_repair" // 需维修
	CondScrapped    Condition = "scrapped"     // 报废
)

// Conditions in display order.
var Conditions = []Condition{CondNew, CondGood, CondWorn, CondNeedsRepair, CondScrapped}

// ReceiveConditions may be given when items come in; ReturnConditions
// when a loan ends (needs repair sends the item to repair); RepairedConditions
// when an item comes back from repair.
var (
	ReceiveConditions  = []Condition{CondNew, CondGood, CondWorn}
	ReturnConditions   = []Condition{CondGood, CondWorn, CondNeedsRepair}
	RepairedConditions = []Condition{CondGood, CondWorn}
)

// Sources of items.
var Sources = []string{"purchase", "donation"} // 采购, 捐赠

// LoanStatus is where a loan stands.
type LoanStatus string

// Loan statuses.
const (
	LoanOpen     LoanStatus = "open"     // 借用中
	LoanReturned LoanStatus = "returned" // 已归还
	LoanLost     LoanStatus = "lost"     // 已报失
)

// LoanStatuses in display order.
var LoanStatuses = []LoanStatus{LoanOpen, LoanReturned, LoanLost}
