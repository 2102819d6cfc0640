package certify_test

import (
	"context"

	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func calendarLoad(tx *store.Tx) (certify.Calendar, error) {
	return calendar.Load(context.Background(), tx)
}
