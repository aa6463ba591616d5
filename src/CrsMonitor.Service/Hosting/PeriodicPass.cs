namespace CrsMonitor.Service.Hosting;

/// <summary>
/// A background pass run once at start-up and then every <see cref="Interval"/> on the host's <see cref="TimeProvider"/>
/// (so tests step it with <c>FakeTimeProvider</c>). A failed pass is logged and the next tick runs again; nothing is
/// lost, because each pass works from database rows. <see cref="Passes"/> lets tests wait for a pass instead of sleeping.
/// </summary>
public abstract partial class PeriodicPass(TimeProvider time, ILogger logger) : BackgroundService
{
    private long passes;

    /// <summary>The host's clock.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The pass's logger.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>Completed passes since start.</summary>
    public long Passes => Interlocked.Read(ref passes);

    protected abstract TimeSpan Interval { get; }

    /// <summary>Something the pass must wait for before its first run (e.g. Quartz started).</summary>
    protected virtual Task BeforeFirstPassAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract Task RunPassAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await BeforeFirstPassAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(Interval, Time);
        do
        {
            try
            {
                await RunPassAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(Logger, GetType().Name, e);
            }

            Interlocked.Increment(ref passes);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A pass of {Pass} failed; it runs again at its next tick")]
    private static partial void LogFailed(ILogger logger, string pass, Exception exception);
}
