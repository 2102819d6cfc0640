package registry

import "encoding/json"

// componentJSON is a Component in the API and in history: lower-case
// names like every other field.
type componentJSON struct {
	Category Category `json:"category"`
	Grade    Grade    `json:"grade"`
}

// MarshalJSON writes {"category":2,"grade":3}.
func (c Component) MarshalJSON() ([]byte, error) { return json.Marshal(componentJSON(c)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Component) UnmarshalJSON(b []byte) error {
	var j componentJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Component(j)
	return nil
}
