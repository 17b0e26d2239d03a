package dev.revisor.bench;

final class LeakSuite {
    private final Context ctx;

    LeakSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        ctx.report.notMeasured("LeakSuite", "not written yet");
    }
}
