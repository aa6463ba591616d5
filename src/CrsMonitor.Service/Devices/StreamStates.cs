using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Devices;

/// <summary>The states of an enrolled stream at an instant.</summary>
public static class StreamStateNames
{
    /// <summary>Data arrived within its cadence + grace.</summary>
    public const string Receiving = "receiving";

    /// <summary>Silent past its cadence + grace inside an open monitoring window: a data gap (never "normal"); alerted.</summary>
    public const string NoData = "no-data";

    /// <summary>Silent past its cadence + grace while no monitoring window is open: shown, never alerted.</summary>
    public const string Silent = "silent";
}

/// <summary>An enrolled stream at "now" (status, census, the <c>no-data</c> alert).</summary>
public sealed record StreamState(
    string EnrolmentId, string Device, string Signal, int ExpectedEverySeconds, int GraceSeconds, DateTimeOffset? LastAt,
    string State, DateTimeOffset SilentAt, DateTimeOffset? SilentSince);

/// <summary>A device's wear in one monitoring window so far.</summary>
public sealed record WearState(string WindowId, string EnrolmentId, string Device, long WornMs, long WindowMs)
{
    public long WornSeconds => WornMs / 1000;

    public int WornMinutes => (int)(WornMs / 60_000);

    /// <summary>Worn share of the window so far, in percent, one decimal (0 while the window has not run a second).</summary>
    public decimal Percent => WindowMs <= 0 ? 0m : Math.Round(100m * WornMs / WindowMs, 1, MidpointRounding.ToZero);
}

/// <summary>
/// Data gaps and wear time, pure (no SQL, no clock): what the patient pass (<see cref="DeviceStreams"/>) stores and the
/// status and census show are computed here, so both say the same.
/// <list type="bullet">
/// <item>A stream is silent from <c>max(last reading, enrolment) + cadence + grace</c> exactly (receiving strictly before).</item>
/// <item>Silent while a monitoring window is open (opened, not closed, not completed: any setting) is <c>no-data</c>,
/// since the later of that instant and the opening of the earliest open window; silent with no window open is
/// <c>silent</c>.</item>
/// <item>A reading covers until the device's next reading when that comes within its signal's cadence + grace, else one
/// cadence; readings of several signals at one instant count with the longest cadence. The last reading covers
/// <c>min(now − it, cadence)</c> provisionally. Only the part inside the window (and before now) counts.</item>
/// </list>
/// </summary>
public static class StreamStates
{
    /// <summary>Windows open at <paramref name="now"/>: state open, opened, and (proximity) before their end.</summary>
    public static IEnumerable<WindowRow> OpenAt(IEnumerable<WindowRow> windows, DateTimeOffset now) =>
        windows.Where(w => w.State == WindowState.Open && w.OpensAt <= now && (w.HasChecks || now < w.LatestEndAt));

    public static DateTimeOffset SilentAt(StreamRow s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var reference = s.LastAt is { } last && last > s.EnrolledAt ? last : s.EnrolledAt;
        return reference + TimeSpan.FromSeconds(s.EverySeconds + s.GraceSeconds);
    }

    public static StreamState At(StreamRow s, IReadOnlyList<WindowRow> windows, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        var silentAt = SilentAt(s);
        var open = OpenAt(windows, now).ToList();
        var (state, since) = now < silentAt ? (StreamStateNames.Receiving, (DateTimeOffset?)null)
            : open.Count > 0 ? (StreamStateNames.NoData, Max(silentAt, open.Min(w => w.OpensAt)))
            : (StreamStateNames.Silent, silentAt);
        return new StreamState(s.EnrolmentId, s.Device, s.Signal, s.EverySeconds, s.GraceSeconds, s.LastAt, state, silentAt, since);
    }

    /// <summary>
    /// When the pass must look at the stream again if nothing arrives: receiving, when it falls silent; silent outside
    /// windows, when the next window opens; a data gap, when a proximity window ends by itself (the gap then ends). Null:
    /// only a reading, a window change or the enrolment's end changes it (each runs the pass anyway).
    /// </summary>
    public static DateTimeOffset? NextDue(StreamState state, IReadOnlyList<WindowRow> windows, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(windows);
        return state.State switch
        {
            StreamStateNames.Receiving => state.SilentAt,
            StreamStateNames.NoData => OpenAt(windows, now).Where(w => !w.HasChecks).Select(w => (DateTimeOffset?)w.LatestEndAt).Min(),
            _ => windows.Where(w => w.State == WindowState.Open && w.OpensAt > now).Select(w => (DateTimeOffset?)w.OpensAt).Min(),
        };
    }

    /// <summary>The end of the part of a window that counts at <paramref name="now"/>: now for a running window, else its end.</summary>
    public static DateTimeOffset CountsUntil(WindowRow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        var end = window.State == WindowState.Open && window.HasChecks ? now : window.EndsAt;
        return end < now ? end : now;
    }

    /// <summary>Milliseconds of [from, to) inside [start, end).</summary>
    public static long Overlap(DateTimeOffset from, DateTimeOffset to, DateTimeOffset start, DateTimeOffset end)
    {
        var a = Max(from, start);
        var b = to < end ? to : end;
        return b > a ? (long)(b - a).TotalMilliseconds : 0;
    }

    /// <summary>
    /// Counts one reading of the enrolment into a window's wear row (in time order; one at or before the last counted
    /// instant adds nothing). <paramref name="every"/>: the cadence of a signal, in seconds.
    /// </summary>
    public static bool Advance(WearRow row, string signal, DateTimeOffset at, Func<string, int> every, int graceSeconds, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(every);
        if (row.LastAt is { } last)
        {
            if (at < last)
            {
                return false;
            }

            if (at == last)
            {
                if (row.LastSignal is { } ls && every(signal) <= every(ls))
                {
                    return false;
                }

                row.LastSignal = signal; // several signals at one instant: the longest cadence
                return true;
            }

            var cadence = TimeSpan.FromSeconds(every(row.LastSignal ?? signal));
            var gap = at - last;
            var covered = gap <= cadence + TimeSpan.FromSeconds(graceSeconds) ? gap : cadence;
            row.WornMs += Overlap(last, last + covered, windowStart, windowEnd);
        }

        row.LastAt = at;
        row.LastSignal = signal;
        return true;
    }

    /// <summary>The wear shown at <paramref name="now"/>: what is counted plus the last reading's provisional cover.</summary>
    public static WearState Wear(WearRow row, WindowRow window, string device, Func<string, int> every, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(every);
        var until = CountsUntil(window, now);
        var worn = row.WornMs;
        if (row.LastAt is { } last && row.LastSignal is { } signal && until > last)
        {
            var cover = TimeSpan.FromSeconds(every(signal));
            var to = until - last < cover ? until : last + cover;
            worn += Overlap(last, to, window.OpensAt, until);
        }

        var windowMs = until > window.OpensAt ? (long)(until - window.OpensAt).TotalMilliseconds : 0;
        return new WearState(window.Id, row.EnrolmentId, device, worn, windowMs);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
