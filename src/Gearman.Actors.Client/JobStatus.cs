namespace Gearman.Actors.Client;

/// <summary>
/// A server's answer to GET_STATUS. A job the server does not know (never submitted, or already finished) is
/// reported with <see cref="Known"/> false and zeros.
/// </summary>
/// <param name="Running">True while a worker holds the job.</param>
/// <param name="Numerator">The latest WORK_STATUS numerator, 0 before any.</param>
public sealed record JobStatus(string Handle, bool Known, bool Running, long Numerator, long Denominator);

/// <summary>A server's answer to GET_STATUS_UNIQUE: like <see cref="JobStatus"/>, looked up by unique id.</summary>
/// <param name="WaitingClients">How many foreground clients wait for the job's result.</param>
public sealed record UniqueJobStatus(string Unique, bool Known, bool Running, long Numerator, long Denominator, int WaitingClients);
