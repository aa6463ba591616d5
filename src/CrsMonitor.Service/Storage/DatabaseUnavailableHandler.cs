using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// An unavailable database (<see cref="DbErrors.IsUnavailable"/>) that reaches the exception handler (every endpoint;
/// only a batch answers per entry) is the database's, not a bug: 503 with Retry-After, an OperationOutcome under /fhir
/// and problem+json elsewhere, with the request's correlation id. Any other database error (a data exception, a
/// constraint) would fail again on every retry: it is left to <see cref="Hosting.ServerErrorHandler"/> (500, audited).
/// </summary>
public sealed partial class DatabaseUnavailableHandler(ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const string RetryAfterSeconds = "5";
    private const string Text = "The database is unavailable; nothing was read or stored. Retry after the Retry-After delay.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (!DbErrors.IsUnavailable(exception))
        {
            return false;
        }

        LogUnavailable(logger, httpContext.TraceIdentifier, exception.Message);

        // The exception handler cleared the response's headers; the id the logs and the client quote is set again.
        httpContext.Response.Headers[Identity.AuditMiddleware.CorrelationHeader] = httpContext.TraceIdentifier;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        await Hosting.ErrorAnswer.WriteAsync(httpContext, OperationOutcome.IssueType.Transient, "Service unavailable", Text, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Database unavailable ({CorrelationId}): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string correlationId, string reason);
}
