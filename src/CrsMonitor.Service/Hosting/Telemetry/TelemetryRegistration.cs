using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace CrsMonitor.Service.Hosting.Telemetry;

/// <summary>
/// OpenTelemetry metrics read by Prometheus at <c>GET /metrics</c> (section <c>Telemetry</c>): the service's own
/// meter (<see cref="ServiceMetrics"/>) and ASP.NET Core's (requests and latency by route, Kestrel connections, SignalR
/// connections), plus the runtime's. Nothing is exported anywhere else; with <c>Telemetry:Metrics=false</c> no meter is
/// listened to and <c>/metrics</c> is 404.
/// </summary>
public static class TelemetryRegistration
{
    public const string MetricsPath = "/metrics";

    /// <summary>The meters read: ours, then ASP.NET Core's and the runtime's (.NET 10 names).</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        ServiceMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting", // http.server.request.duration (http.route, method, status), http.server.active_requests
        "Microsoft.AspNetCore.Server.Kestrel", // kestrel.active_connections, kestrel.connection.duration, ...
        "Microsoft.AspNetCore.Http.Connections", // signalr.server.active_connections, signalr.server.connection.duration
        "Microsoft.AspNetCore.RateLimiting", // aspnetcore.rate_limiting.* (our request budgets: 429s)
        "System.Runtime", // dotnet.gc.*, dotnet.thread_pool.*, ...
    ];

    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddStrictSettings<TelemetrySettings>(TelemetrySettings.SectionName);
        services.AddSingleton<IValidateOptions<TelemetrySettings>, TelemetrySettingsValidator>();
        services.AddSingleton(sp =>
        {
            var metrics = ActivatorUtilities.CreateInstance<ServiceMetrics>(sp);
            metrics.ObserveWriteQueue(() => sp.GetService<Storage.Database>()?.WritersWaiting ?? 0);
            return metrics;
        });
        services.ConfigureOpenTelemetryMeterProvider((sp, provider) =>
        {
            // Decided when the provider is built (a test host's settings are known only then).
            if (sp.GetRequiredService<IOptions<TelemetrySettings>>().Value.Metrics)
            {
                provider.AddMeter([.. Meters]);
            }
        });
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            // Exemplars would tie a series to a request's trace id: nothing a Prometheus scrape needs.
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
            .AddPrometheusExporter(o =>
            {
                // Every scrape is current (a scrape is cheap at this service's scale; tests scrape right after acting).
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        return services;
    }

    /// <summary>
    /// <c>GET /metrics</c>, anonymous (Prometheus sends no token; the metrics hold no patient data) but only from the
    /// networks of <c>Telemetry:MetricsAllowedNetworks</c> (default: this machine) and never through a proxy.
    /// </summary>
    public static void MapMetricsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(CheckAccessAsync), optionsName: null)
            .AllowAnonymous();

    private static async Task CheckAccessAsync(HttpContext context, Func<Task> next)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<TelemetrySettings>>().Value;
        if (!settings.Metrics)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await ErrorAnswer.WriteAsync(context, OperationOutcome.IssueType.NotFound, "Not Found",
                "Metrics are switched off (Telemetry:Metrics).", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (Refusal(context, settings) is { } reason)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await ErrorAnswer.WriteAsync(context, OperationOutcome.IssueType.Forbidden, "Forbidden", reason, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>Why this caller may not read the metrics; null when it may.</summary>
    internal static string? Refusal(HttpContext context, TelemetrySettings settings)
    {
        // A reverse proxy on this machine would make every caller look local: a relayed request is never served.
        var headers = context.Request.Headers;
        // X-Original-For: a trusted proxy's X-Forwarded-For, already applied (Proxy:TrustedNetworks).
        if (headers.ContainsKey("Forwarded") || headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Real-IP") || headers.ContainsKey("X-Original-For"))
        {
            return "Metrics are not served through a proxy: scrape the node's own address (Telemetry:MetricsAllowedNetworks).";
        }

        // No address: an in-process or Unix-socket caller, on this machine.
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return null;
        }

        var caller = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return settings.AllowedNetworks().Any(n => n.Contains(caller))
            ? null
            : $"Metrics are served only to the networks of Telemetry:MetricsAllowedNetworks; {caller} is not in them.";
    }
}
