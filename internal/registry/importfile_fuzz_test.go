package registry

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzImportCSV: any bytes as an uploaded CSV either are refused with
// validation errors or read as rows, without panicking, with valid UTF-8
// cells and increasing row numbers.
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"姓名,身份证号,村（社区）,残疾类别,残疾等级\n王建国,34152219800101001X,341599101001,肢体,二级\n",
		"\xef\xbb\xbf姓名,身份证号\n张三,3.41523E+17\n",
		"name,id_number\n\"unterminated,quote\n",
		"姓名,身份证号\n=HYPERLINK(\"http://x\"),@SUM(1)\n+1,-1\n",
		"\xd5\xc5\xc8\xfd,\xc9\xed\xb7\xdd\xd6\xa4\xba\xc5\n", // GBK from an old Excel
		"", "\n\n\n", ",,,,\n,,,\n", "a\x00b,c\r\nd,e\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := openCSV(bytes.NewReader(data))
		if err != nil {
			return // refused as a whole: fine, it must only not panic
		}
		defer s.Close()
		last := 0
		for range 10000 {
			rec, err := s.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if rec.Row <= last {
				t.Fatalf("row %d after %d", rec.Row, last)
			}
			last = rec.Row
			for _, c := range rec.Cells {
				if !utf8.ValidString(c) {
					t.Fatalf("row %d: cell %q is not UTF-8", rec.Row, c)
				}
			}
		}
	})
}
