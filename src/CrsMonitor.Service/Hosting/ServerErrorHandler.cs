using System.Data.Common;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The last exception handler: an error the service did not foresee (after <see cref="DatabaseUnavailableHandler"/>
/// declined it) is a 500 that is still audited (outcome <c>error</c>, with the correlation id) and answered with the
/// <c>X-Correlation-Id</c> header and the id in the text: an OperationOutcome under /fhir, problem+json elsewhere. The
/// answer never carries the exception's text or stack trace (the framework has logged them for the operators).
/// </summary>
public sealed partial class ServerErrorHandler(
    Database database, TimeProvider time, IOptions<IdentitySettings> identity, ILogger<ServerErrorHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var correlationId = httpContext.TraceIdentifier;

        // The only place the exception is told (the framework does not log what a handler handled): the logs, not the answer.
        LogUnexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty, correlationId);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        httpContext.Response.Headers[AuditMiddleware.CorrelationHeader] = correlationId;
        await AuditAsync(httpContext).ConfigureAwait(false);

        var text = $"The service failed unexpectedly (correlation id {correlationId}). A write is all or nothing and a resend is harmless; "
            + "if it fails again, quote the correlation id to the service's operators.";
        await ErrorAnswer.WriteAsync(httpContext, OperationOutcome.IssueType.Exception, "Internal error", text, cancellationToken,
            new Dictionary<string, object?> { ["correlationId"] = correlationId }).ConfigureAwait(false);
        return true;
    }

    /// <summary>The audit row the request did not get (its own write, if any, was rolled back with its transaction).</summary>
    private async System.Threading.Tasks.Task AuditAsync(HttpContext context)
    {
        var trail = context.RequestServices.GetService<AuditTrail>();
        if (trail is null || trail.Written)
        {
            return;
        }

        try
        {
            var user = context.User.Identity?.IsAuthenticated == true ? CurrentUser.From(context.User, identity.Value) : null;
            var entry = trail.EntryFor(context, user, time.GetUtcNow(), "error");
            await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await AuditStore.AppendAsync(connection, null, entry, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The answer is decided; a lost audit row (whatever failed) is logged loudly instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogAuditFailed(logger, context.TraceIdentifier, e is DbException or TimeoutException ? e.Message : e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error in {Method} {Path} ({CorrelationId}), answered 500")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path, string correlationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit row of a failed request ({CorrelationId}) could not be written: {Reason}")]
    private static partial void LogAuditFailed(ILogger logger, string correlationId, string reason);
}
