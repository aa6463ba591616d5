using System.Collections.Concurrent;
using System.Globalization;
using CrsMonitor.Service.Alerts;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Microsoft.AspNetCore.SignalR;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// Lets a stop finish in seconds with dashboards connected. A hub connection is a request that never ends by itself
/// (a WebSocket, a server-sent event stream, a long poll), and Kestrel's stop waits for every request in progress until
/// <c>HostOptions.ShutdownTimeout</c> (30 s by default). SignalR closes its connections when the stop begins, but a
/// dashboard reconnects at once, over a keep-alive connection Kestrel still serves while it drains; that new hub
/// connection then held the stop for the whole timeout. So when the stop begins (<c>ApplicationStopping</c>), every hub
/// connection is aborted and every request to the hub is answered 503 with <c>Retry-After</c> and
/// <c>Connection: close</c>: the dashboard retries (on another node behind a load balancer) and replays what it missed
/// with <c>Resume</c>. <c>HostOptions.ShutdownTimeout</c> is bounded too (<see cref="DefaultShutdownTimeout"/>), for any
/// other request that would not end.
/// </summary>
public sealed partial class HubDraining(ILogger<HubDraining> logger) : IHubFilter
{
    /// <summary>The longest a stop waits for requests in progress (then aborted), unless <c>shutdownTimeoutSeconds</c> is set.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(8);

    private readonly ConcurrentDictionary<string, HubCallerContext> connections = new(StringComparer.Ordinal);
    private volatile bool stopping;

    public bool Stopping => stopping;

    /// <summary>The hub connections open now.</summary>
    public int Open => connections.Count;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        connections[context.Context.ConnectionId] = context.Context;
        if (stopping)
        {
            // Connected as the stop began: the sweep may have missed it.
            context.Context.Abort();
        }

        await next(context).ConfigureAwait(false);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception).ConfigureAwait(false);
    }

    /// <summary>The stop began: refuse new hub requests and abort the open connections.</summary>
    public void Drain()
    {
        stopping = true;
        var open = connections.Values.ToList();
        LogDraining(logger, open.Count);
        foreach (var connection in open)
        {
            connection.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Count} hub connection(s) aborted; new hub requests are answered 503 until the process exits")]
    private static partial void LogDraining(ILogger logger, int count);
}

public static class HubDrainingRegistration
{
    public static IServiceCollection AddHubDraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<HubDraining>();
        services.Configure<HubOptions>(o => o.AddFilter<HubDraining>());
        services.AddHostedService<DrainOnStopping>();
        if (string.IsNullOrEmpty(configuration["shutdownTimeoutSeconds"]))
        {
            services.Configure<HostOptions>(o => o.ShutdownTimeout = HubDraining.DefaultShutdownTimeout);
        }

        return services;
    }

    /// <summary>Answers 503 to every hub request once the stop began (before authentication: nothing to check).</summary>
    public static IApplicationBuilder UseHubDraining(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(AlertHub.Path), branch => branch.Use(async (context, next) =>
        {
            if (!context.RequestServices.GetRequiredService<HubDraining>().Stopping)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers.Connection = "close";
            await ErrorAnswer.WriteAsync(context, OperationOutcome.IssueType.Transient, "Service Unavailable",
                "This node is stopping: connect again (another node, or this one once it is back) and resume.", context.RequestAborted).ConfigureAwait(false);
        }));

    private const int RetryAfterSeconds = 2;

    /// <summary>Arms <see cref="HubDraining.Drain"/> on <c>ApplicationStopping</c>, which fires before the server stops.</summary>
    private sealed class DrainOnStopping(IHostApplicationLifetime lifetime, HubDraining draining) : IHostedService
    {
        private CancellationTokenRegistration registration;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            registration = lifetime.ApplicationStopping.Register(draining.Drain);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await registration.DisposeAsync().ConfigureAwait(false);
    }
}
