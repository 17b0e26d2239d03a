package dev.revisor.bench;

final class ScaleSuite {
    private final Context ctx;

    ScaleSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        ctx.report.notMeasured("ScaleSuite", "not written yet");
    }
}
