package htmlrewrite

type xmlState struct{}

func (x *xmlState) reset() {}

func (r *Rewriter) feedXML(p []byte) { r.feed(p) }

func (r *Rewriter) closeXML() {}
