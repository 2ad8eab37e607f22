import { readFileSync } from 'node:fs';

/** Linux's free page reporting counter (the `page_reporting` module): KiB handed back to the host. */
const REPORTED_KIB_FILE = '/sys/module/page_reporting/parameters/reported_kib';

/**
 * Bytes of free guest memory the kernel has handed back to the hypervisor since boot, or undefined
 * where there is no such counter (bare metal, other OSes, kernels without it). A VM whose balloon
 * device reports free pages (the bench machine does) gets memory it frees taken away within
 * minutes; touching it again costs the host a fault per page, charged to whichever thread touched it.
 */
export function bytesReportedToHost(file: string = REPORTED_KIB_FILE): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    // `Number('')` is 0: an empty file is no counter.
    return /^\d+$/.test(text) ? Number(text) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
