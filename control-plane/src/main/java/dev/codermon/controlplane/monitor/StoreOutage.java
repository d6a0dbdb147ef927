package dev.codermon.controlplane.monitor;

import dev.codermon.auth.route.RouteStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs once when the store stops answering a periodic job and once when it answers again. */
final class StoreOutage {

    private static final Logger log = LoggerFactory.getLogger(StoreOutage.class);

    private final String what;
    private volatile boolean down;

    StoreOutage(String what) {
        this.what = what;
    }

    void began(RouteStoreException e) {
        if (!down) {
            down = true;
            log.warn("the store is unavailable ({}); {} are skipped until it answers, and nothing is marked dead"
                    + " or stopped meanwhile", e.getMessage(), what);
        }
    }

    void ended() {
        if (down) {
            down = false;
            log.info("the store answers again; {} resume", what);
        }
    }
}
