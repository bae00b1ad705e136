// Command ttfb measures, for bench/run.sh, how long a streamed page takes to
// start arriving: the time to the response header, to the first body byte
// and to the end, each the median of -n requests over one kept-alive
// connection. It prints one tab-separated line:
//
//	label  header_ms  first_body_ms  total_ms  body_bytes  (each median, then min and max in brackets)
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strings"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	url := flag.String("url", "", "the page")
	label := flag.String("label", "", "the setup's name for the output")
	n := flag.Int("n", 15, "requests")
	var hdrs headers
	flag.Var(&hdrs, "H", "a request header, Name: value (repeatable)")
	flag.Parse()

	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: time.Minute}
	var head, first, total []float64
	var size int64
	for i := 0; i < *n; i++ {
		req, err := http.NewRequest("GET", *url, nil)
		if err != nil {
			log.Fatal(err)
		}
		for _, h := range hdrs {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		var gotHeader time.Time
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotFirstResponseByte: func() { gotHeader = time.Now() },
		}))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			log.Fatalf("%s: status %d", *url, resp.StatusCode)
		}
		buf := make([]byte, 32<<10)
		var firstByte time.Time
		var got int64
		for {
			m, err := resp.Body.Read(buf)
			if m > 0 && firstByte.IsZero() {
				firstByte = time.Now()
			}
			got += int64(m)
			if err == io.EOF {
				break
			}
			if err != nil {
				log.Fatal(err)
			}
		}
		end := time.Now()
		resp.Body.Close()
		head = append(head, ms(gotHeader.Sub(start)))
		first = append(first, ms(firstByte.Sub(start)))
		total = append(total, ms(end.Sub(start)))
		size = got
	}
	fmt.Fprintf(os.Stdout, "%s\t%s\t%s\t%s\t%d\n", *label, stat(head), stat(first), stat(total), size)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// stat is the median with the range: "12.3 [11.9,14.0]".
func stat(v []float64) string {
	slices.Sort(v)
	return fmt.Sprintf("%.2f [%.2f,%.2f]", v[len(v)/2], v[0], v[len(v)-1])
}
