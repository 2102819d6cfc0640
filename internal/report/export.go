package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Formats are the file endings WriteFile knows.
var Formats = []string{".html", ".docx", ".xlsx"}

// WriteFile writes rep to path in the format its ending names (.html,
// .docx, .xlsx). The file is written whole or not at all.
func WriteFile(path string, rep *Report) error {
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		err = WriteHTML(&b, rep)
	case ".docx":
		err = WriteDocx(&b, rep)
	case ".xlsx":
		err = WriteXlsx(&b, rep)
	default:
		return fmt.Errorf("文件 %s 的扩展名须为 .html、.docx 或 .xlsx", filepath.Base(path))
	}
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
