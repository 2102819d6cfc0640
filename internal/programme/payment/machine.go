package payment

import "slices"

// State is the stage of a payment batch (发放批次).
type State string

// States.
const (
	Draft     State = "draft"     // 草稿: lines may be removed
	Confirmed State = "confirmed" // 已确认: locked, the export is the bank's file
	Paid      State = "paid"      // 已发放: the bank has paid; lines are in the ledger
	Cancelled State = "cancelled" // 已作废: never sent; its cases are owed again
)

// States in the order of the work.
var States = []State{Draft, Confirmed, Paid, Cancelled}

// Action moves a batch from one state to another.
type Action string

// Actions.
const (
	ActConfirm Action = "confirm" // lock the batch and hand the file to the bank
	ActPay     Action = "pay"     // the bank has paid: write the ledger
	ActCancel  Action = "cancel"  // drop a draft
)

// Actions in display order.
var Actions = []Action{ActConfirm, ActPay, ActCancel}

// Transition is one allowed move.
type Transition struct {
	From   State
	Action Action
	To     State
}

// Transitions is the one table of allowed moves; whatever is not here is
// refused. A paid batch is final: a mistake in it is put right by
// reversing lines, never by changing the batch.
var Transitions = []Transition{
	{Draft, ActConfirm, Confirmed},
	{Draft, ActCancel, Cancelled},
	{Confirmed, ActPay, Paid},
}

// Next returns the transition for action a from state s; ok is false when
// the table does not allow it.
func Next(s State, a Action) (Transition, bool) {
	for _, t := range Transitions {
		if t.From == s && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions the table allows in state s.
func Allowed(s State) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }
