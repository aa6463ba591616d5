using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// <c>GET /health/live</c>: the process answers (no checks run). <c>GET /health/ready</c>: every check tagged
/// <see cref="ReadyTag"/> passes (data folder writable, signing key loadable; later the database and the scheduler).
/// Both are anonymous and say nothing about patients or paths; details go to the log.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteJson })
            .AllowAnonymous();
    }

    private static Task WriteJson(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthResponse(
            Word(report.Status),
            report.Entries.ToDictionary(e => e.Key, e => new HealthCheckResponse(Word(e.Value.Status), e.Value.Description))));

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthCheckResponse> Checks);

    private sealed record HealthCheckResponse(string Status, string? Description);
}

/// <summary>Readiness: the data folder exists and a file can be written to it and removed.</summary>
internal sealed partial class DataDirectoryHealthCheck(DataDirectory data, ILogger<DataDirectoryHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = data.PathOf($".ready-probe-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
            return HealthCheckResult.Healthy("data folder is writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotWritable(logger, data.FullPath, e.Message);
            return HealthCheckResult.Unhealthy("data folder is not writable");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Data folder {Path} is not writable: {Reason}")]
    private static partial void LogNotWritable(ILogger logger, string path, string reason);
}
