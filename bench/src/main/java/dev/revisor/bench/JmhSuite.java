package dev.revisor.bench;

final class JmhSuite {
    private final Context ctx;

    JmhSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        ctx.report.notMeasured("JmhSuite", "not written yet");
    }
}
