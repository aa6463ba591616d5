using System.Data.Common;
using System.Globalization;
using System.Threading.RateLimiting;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Limits;

/// <summary>
/// Per-client request rates (ASP.NET Core rate limiting with <see cref="ClientRateLimiter"/> as the global limiter) and the
/// settings of <see cref="LimitSettings"/>. A refused request is answered 429 with <c>Retry-After</c> (an
/// OperationOutcome with issue code <c>throttled</c> under /fhir, problem+json elsewhere) and audited as denied.
/// </summary>
public static partial class RequestBudgets
{
    public const string AuditAction = "rate-limited";

    public static IServiceCollection AddRequestBudgets(this IServiceCollection services)
    {
        services.AddStrictSettings<LimitSettings>(LimitSettings.SectionName);
        services.AddSingleton<IValidateOptions<LimitSettings>, LimitSettingsValidator>();
        services.AddSingleton<RejectedPayloadAllowance>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, ct) => RefuseAsync(context.HttpContext, context.Lease, ct);
        });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<LimitSettings>, IOptions<IdentitySettings>, TimeProvider>(
                (o, limits, identity, time) => o.GlobalLimiter = new ClientRateLimiter(limits.Value, identity.Value, time));
        return services;
    }

    /// <summary>After authentication (the bucket is the token's subject) and the audit, before authorization (so a flood of 401s is limited too).</summary>
    public static IApplicationBuilder UseRequestBudgets(this IApplicationBuilder app) => app.UseRateLimiter();

    private static async ValueTask RefuseAsync(HttpContext context, RateLimitLease lease, CancellationToken ct)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var services = context.RequestServices;
        var limiter = (ClientRateLimiter)services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        var (key, budget) = limiter.PartitionOf(context);
        var client = key[..key.IndexOf(':', StringComparison.Ordinal)];
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Too many requests from this client ({client}: {budget.RequestsPerSecond}/s, burst {budget.Burst}); nothing was read or stored. Retry after {seconds} s.");

        LogRefused(services.GetRequiredService<ILogger<ClientRateLimiter>>(), key, context.TraceIdentifier);
        await AuditAsync(context, client, ct).ConfigureAwait(false);

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds;
        await Hosting.ErrorAnswer.WriteAsync(context, OperationOutcome.IssueType.Throttled, "Too many requests", text, ct).ConfigureAwait(false);
    }

    /// <summary>One audit row, outcome <c>denied</c> (the audit middleware then writes none: it would say <c>error</c>).</summary>
    private static async Task AuditAsync(HttpContext context, string client, CancellationToken ct)
    {
        if (context.Request.Path.StartsWithSegments("/health"))
        {
            return;
        }

        var services = context.RequestServices;
        var trail = services.GetRequiredService<AuditTrail>();
        var user = context.User.Identity?.IsAuthenticated == true
            ? CurrentUser.From(context.User, services.GetRequiredService<IOptions<IdentitySettings>>().Value)
            : null;
        trail.Describe(AuditAction, detail: $"{context.Request.Method} {context.Request.Path} refused: over the {client} request budget (Limits:{Capitalised(client)})");
        var entry = trail.EntryFor(context, user, services.GetRequiredService<TimeProvider>().GetUtcNow(), "denied");
        trail.MarkWritten();
        try
        {
            await using var connection = await services.GetRequiredService<Database>().OpenAsync(ct).ConfigureAwait(false);
            await AuditStore.AppendAsync(connection, null, entry, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or TimeoutException or OperationCanceledException)
        {
            LogAuditFailed(services.GetRequiredService<ILogger<ClientRateLimiter>>(), context.TraceIdentifier, e.Message);
        }
    }

    private static string Capitalised(string word) => string.Concat(word[..1].ToUpperInvariant(), word[1..]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request refused: client {Client} is over its request budget ({CorrelationId})")]
    private static partial void LogRefused(ILogger logger, string client, string correlationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit row for a rate-limited request ({CorrelationId}) could not be written: {Reason}")]
    private static partial void LogAuditFailed(ILogger logger, string correlationId, string reason);
}
