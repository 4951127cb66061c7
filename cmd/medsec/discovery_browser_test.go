package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDiscovery uploads a real HL7 capture through the discovery page (with its
// progress bar) and reads the run's page: the HL7 sender and receiver proposed as new
// devices, with the applications found in the MSH segments.
func TestBrowserDiscovery(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	pcap, err := filepath.Abs("../../capture/testdata/hl7-mllp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var heading, page string
	if err := chromedp.Run(ctx,
		login(base, "itops.chen", demoPassword, ""),
		chromedp.Navigate(base+"/discovery"),
		chromedp.WaitVisible(`#upload-form input[type=file]`),
		chromedp.SetUploadFiles(`#upload-form input[type=file]`, []string{pcap}),
		chromedp.Click(`#upload-form button[type=submit]`),
		chromedp.WaitVisible(`dl.fields`),
		chromedp.Text(`h1`, &heading),
		chromedp.Text(`main`, &page),
	); err != nil {
		t.Fatalf("upload a capture: %v\n%s", err, pageText(ctx))
	}
	if !strings.Contains(heading, "hl7-mllp.pcap") {
		t.Errorf("run page heading %q", heading)
	}
	for _, want := range []string{"ADTAPP", "LABSYS", "hl7-sender", "hl7-receiver", "hl7/tcp"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(page, "HL7PATIENT") {
		t.Error("the run page shows a patient name")
	}
}
