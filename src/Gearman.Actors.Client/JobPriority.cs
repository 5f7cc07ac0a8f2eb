namespace Gearman.Actors.Client;

/// <summary>
/// The three queues of a function. A worker is given HIGH jobs before NORMAL before LOW, first in first out within
/// one priority (gearmand 2.0 compares priorities across all the functions a worker can do).
/// </summary>
public enum JobPriority : byte
{
    Normal,
    High,
    Low,
}
