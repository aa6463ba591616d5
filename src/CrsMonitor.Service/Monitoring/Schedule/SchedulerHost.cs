using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;
using Quartz;
using Quartz.Extensibility;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// Quartz (4.7.3) with the ADO job store in the service's own database: SQLite single node, PostgreSQL and SQL Server
/// clustered when <c>Monitoring:Clustered</c>. Built when the host starts (the storage settings are known only then),
/// with the host's <see cref="TimeProvider"/> (tests step it with <c>FakeTimeProvider</c>, which also wakes Quartz's
/// idle wait). Quartz creates its <c>QRTZ_*</c> tables if missing (<c>CREATE TABLE IF NOT EXISTS</c> from scripts inside
/// Quartz.dll); our code never writes them (invariant 6).
/// </summary>
public sealed partial class SchedulerHost(
    Database database, IOptions<MonitoringSettings> options, TimeProvider time, IServiceProvider services, ILogger<SchedulerHost> logger)
    : IHostedService, IAsyncDisposable
{
    public const string Group = "monitoring";
    private readonly TaskCompletionSource<IScheduler> started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StandaloneSchedulerFactory? factory;

    /// <summary>The running scheduler (waits for start-up).</summary>
    public Task<IScheduler> Scheduler => started.Task;

    public bool IsRunning => started.Task.IsCompletedSuccessfully && started.Task.Result.Status == SchedulerStatus.Running;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Clustered && database.Provider == StorageProvider.Sqlite)
        {
            throw new Hosting.StartupConfigurationException(
                "Monitoring:Clustered=true needs PostgreSQL or SQL Server: a SQLite file cannot be shared by several nodes (Quartz refuses clustering on SQLite). Set Storage:Provider, or run one node with Monitoring:Clustered=false.");
        }

        factory = Build(database, settings, time, new WindowJobFactory(services));
        if (!await TryStartAsync(cancellationToken).ConfigureAwait(false))
        {
            // The database is down at start-up: the service still starts (it answers 503 meanwhile) and Quartz starts
            // when the database is back; readiness reports the scheduler unhealthy until then.
            _ = Task.Run(() => RetryAsync(stopping.Token), CancellationToken.None);
        }
    }

    private readonly CancellationTokenSource stopping = new();
    private int disposed;

    private async Task<bool> TryStartAsync(CancellationToken ct)
    {
        try
        {
            var scheduler = await factory!.GetScheduler(ct).ConfigureAwait(false);
            scheduler.ListenerManager.AddTriggerListener(
                new Hosting.Telemetry.WakeUpMetrics(services.GetRequiredService<Hosting.Telemetry.ServiceMetrics>()), [GroupMatcher<TriggerKey>.GroupEquals(Group)]);
            await scheduler.Start(ct).ConfigureAwait(false);
            LogStarted(logger, database.Provider, options.Value.Clustered, scheduler.SchedulerInstanceId);
            started.TrySetResult(scheduler);
            return true;
        }
        catch (SchedulerException e) when (e.InnerException is null || DbErrors.IsDatabaseFailure(e.InnerException) || e.InnerException is SchedulerException)
        {
            LogNotStarted(logger, e);
            return false;
        }
    }

    private async Task RetryAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !await TryStartAsync(ct).ConfigureAwait(false))
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref disposed, 0, 0) == 1)
        {
            return; // already disposed (and so shut down) by the container
        }

        await stopping.CancelAsync().ConfigureAwait(false);

        if (started.Task.IsCompletedSuccessfully)
        {
            await ShutdownAsync(started.Task.Result, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Shuts Quartz down. Its misfire handler makes a last pass during the shutdown and, when it found a misfired
    /// trigger, signals the scheduler through a service provider of Quartz's builder that no longer exists
    /// (ObjectDisposedException, seen in test teardowns after fake time jumped past a wake-up). Nothing is lost: the
    /// trigger's misfire is stored and handled at the next start, and the watchdog processes late windows anyway.
    /// </summary>
    /// <remarks>
    /// Bounded by <see cref="ShutdownBound"/> (real time) or the host's stop token, whichever comes first: with the
    /// database gone while Quartz acquires triggers, its scheduler thread retries the job store's lock until the store is
    /// shut down, and Quartz shuts the store down only after that thread ended, so the shutdown never ends (seen in a
    /// test that drops the database under a running host). The stop then goes on without it; the process is ending.
    /// </remarks>
    private async Task ShutdownAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        try
        {
            await scheduler.Shutdown(waitForJobsToComplete: true, CancellationToken.None).AsTask()
                .WaitAsync(ShutdownBound, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException e)
        {
            LogShutdownSignalLost(logger, e.ObjectName);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            LogShutdownAbandoned(logger, ShutdownBound.TotalSeconds);
        }
    }

    /// <summary>The longest a stop waits for Quartz (below the host's 8 s shutdown timeout).</summary>
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromSeconds(6);

    public async ValueTask DisposeAsync()
    {
        // The container may dispose this singleton before or after the host stops it (a test host torn down): never twice.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        stopping.Dispose();

        // Disposed before the host stopped it: shut Quartz down first, or its misfire handler keeps running and signals
        // the scheduler through the factory's disposed service provider (seen as an ObjectDisposedException in teardown).
        // Shutting down a scheduler that the host already stopped does nothing.
        if (started.Task.IsCompletedSuccessfully)
        {
            await ShutdownAsync(started.Task.Result, CancellationToken.None).ConfigureAwait(false);
        }

        if (factory is not null)
        {
            await factory.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The scheduler factory for a database (also used by the <c>migrate</c> verb to create the Quartz tables).</summary>
    public static StandaloneSchedulerFactory Build(Database database, MonitoringSettings settings, TimeProvider time, IJobFactory jobFactory)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(settings);
        return QuartzSchedulerBuilder.Create(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = settings.SchedulerName;
                s.IdleWaitTime = TimeSpan.FromSeconds(settings.IdleWaitSeconds);
                if (settings.Clustered)
                {
                    s.GenerateInstanceId = true; // a literal "AUTO" is not special in 4.7.3: every node would share it
                }
            });
            q.UseTimeProvider(time);
            q.UseJobFactory(jobFactory);
            q.UsePersistentStore(store =>
            {
                switch (database.Provider)
                {
                    case StorageProvider.Postgres:
                        store.UsePostgres(database.ConnectionString);
                        break;
                    case StorageProvider.SqlServer:
                        store.UseSqlServer(database.ConnectionString);
                        break;
                    default:
                        store.UseSqlite(database.ConnectionString);
                        break;
                }

                store.UseSystemTextJsonSerializer();
                if (settings.Clustered)
                {
                    store.UseClustering();
                }

                store.ConfigureStore(o =>
                {
                    o.TablePrefix = "QRTZ_";
                    o.StoreJobDataAsStrings = true;
                    o.MisfireThreshold = TimeSpan.FromMinutes(1);
                    o.SchemaProvisioning = SchemaProvisioning.CreateIfMissing;
                });
            });
        }).Build();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quartz's misfire handler could not signal the scheduler while shutting down ({ObjectName} disposed); the misfire is handled at the next start")]
    private static partial void LogShutdownSignalLost(ILogger logger, string objectName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quartz did not shut down within {Seconds} s (the database unreachable?); the stop goes on without it")]
    private static partial void LogShutdownAbandoned(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Quartz could not start (the database is unreachable?); retrying every 10 s")]
    private static partial void LogNotStarted(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quartz started on {Provider} (clustered: {Clustered}, instance {InstanceId})")]
    private static partial void LogStarted(ILogger logger, StorageProvider provider, bool clustered, string instanceId);

    /// <summary>Builds <see cref="WindowJob"/> with the host's services.</summary>
    private sealed class WindowJobFactory(IServiceProvider services) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new JobScope(ActivatorUtilities.CreateInstance<WindowJob>(services), null));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
