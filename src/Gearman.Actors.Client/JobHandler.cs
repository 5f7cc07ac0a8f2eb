namespace Gearman.Actors.Client;

/// <summary>
/// Runs one job and returns its result, which the worker sends as WORK_COMPLETE. A handler that throws fails the
/// job: <see cref="GearmanJobFailedException"/> or a cancellation sends WORK_FAIL, anything else WORK_EXCEPTION (see
/// <see cref="GearmanWorkerOptions.ReportExceptions"/>).
/// </summary>
/// <param name="cancellationToken">
/// Cancelled when the result can no longer be delivered (the connection that assigned the job was lost; the server
/// requeues it) or when a stop stops being graceful.
/// </param>
public delegate ValueTask<ReadOnlyMemory<byte>> JobHandler(GearmanJob job, CancellationToken cancellationToken);
