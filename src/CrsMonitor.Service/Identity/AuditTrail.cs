using System.Data.Common;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// Append-only audit (reliability-security.md): every read and write of patient data and every denied request.
/// Endpoints say what a request was about (<see cref="Describe"/>); a write records its row inside its own
/// transaction (<c>EntryFor</c> + <see cref="MarkWritten"/>); everything else is recorded by
/// <see cref="AuditMiddleware"/> once the status code is known.
/// </summary>
public sealed class AuditTrail
{
    public string? Action { get; private set; }
    public string? ResourceType { get; private set; }
    public string? ResourceId { get; private set; }
    public string? PatientId { get; private set; }
    public string? Detail { get; private set; }
    public bool Written { get; private set; }

    public void Describe(string action, string? resourceType = null, string? resourceId = null, string? patientId = null, string? detail = null)
    {
        Action = action;
        ResourceType = resourceType ?? ResourceType;
        ResourceId = resourceId ?? ResourceId;
        PatientId = patientId ?? PatientId;
        Detail = detail ?? Detail;
    }

    public void MarkWritten() => Written = true;

    public static string OutcomeOf(int statusCode) => statusCode switch
    {
        < 400 => "success",
        401 or 403 => "denied",
        _ => "error",
    };

    /// <summary>
    /// The patient an <c>/api/patients/{id}/...</c> address is about, for requests refused before their endpoint ran
    /// (authentication, role policy, request budget): the row still names whose data was asked for.
    /// </summary>
    private static string? PatientOfRoute(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern }
        && pattern.StartsWith("/api/patients/{id}", StringComparison.Ordinal)
        && context.Request.RouteValues.TryGetValue("id", out var id) && id is string patientId
            ? patientId
            : null;

    public AuditEntry EntryFor(HttpContext context, CurrentUser? user, DateTimeOffset at, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new AuditEntry(
            at, user?.Subject, user is null ? null : string.Join(",", user.Roles),
            Action ?? $"{context.Request.Method} {context.GetEndpoint()?.DisplayName ?? "unmatched"}",
            ResourceType, ResourceId, PatientId ?? PatientOfRoute(context), outcome,
            context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier, Detail);
    }

    /// <summary>The row of a write that did not come over HTTP (an MLLP message): who, from where, under which id.</summary>
    public AuditEntry EntryFor(WriteOrigin origin, DateTimeOffset at, string outcome)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return new AuditEntry(
            at, origin.User.Subject, string.Join(",", origin.User.Roles), Action ?? "unknown", ResourceType, ResourceId, PatientId, outcome,
            origin.Address, origin.CorrelationId, Detail);
    }
}

/// <summary>Writes the audit row of every /fhir and /api request that did not write its own (reads, denials, errors).</summary>
public sealed partial class AuditMiddleware(RequestDelegate next)
{
    public const string CorrelationHeader = "X-Correlation-Id";

    public async Task InvokeAsync(HttpContext context, AuditTrail trail, Database database, TimeProvider time,
        IOptions<IdentitySettings> identity, ILogger<AuditMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(trail);

        // The id the audit row carries, so an interface team can quote it when asking about a request.
        context.Response.Headers[CorrelationHeader] = context.TraceIdentifier;
        await next(context).ConfigureAwait(false);
        if (trail.Written || !IsAudited(context.Request.Path))
        {
            return;
        }

        var user = context.User.Identity?.IsAuthenticated == true ? CurrentUser.From(context.User, identity.Value) : null;
        var entry = trail.EntryFor(context, user, time.GetUtcNow(), AuditTrail.OutcomeOf(context.Response.StatusCode));
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await AuditStore.AppendAsync(connection, null, entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            // The response is already decided; a lost audit row is logged loudly (no PHI: ids only).
            LogAuditFailed(logger, entry.Action, context.TraceIdentifier, e.Message);
        }
    }

    private static bool IsAudited(PathString path) =>
        (path.StartsWithSegments("/fhir") && !path.StartsWithSegments("/fhir/metadata"))
        || path.StartsWithSegments("/api");

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit row for {Action} ({CorrelationId}) could not be written: {Reason}")]
    private static partial void LogAuditFailed(ILogger logger, string action, string correlationId, string reason);
}
