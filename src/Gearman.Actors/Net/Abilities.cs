using Akka.Actor;

namespace Gearman.Actors.Net;

/// <summary>
/// A worker's registered functions in gearmand 1.1.20's grab order (newest registration first), and which of them
/// may hold a job for it. A worker with several functions is told by each queue when that queue gets a runnable job
/// (<see cref="Queues.WorkAvailable"/>), and a grab that a queue answers with NO_JOB takes that function out again,
/// so a grab asks only the queues that may have a job rather than every queue the worker registered with.
/// Every operation is O(1) but <see cref="Candidates"/>, which is O(k log k) in the k functions that may have work
/// (and O(n) once after a change, with round robin): 50,000 functions cost what gearmand's list does.
/// </summary>
internal sealed class Abilities
{
    internal sealed class Ability
    {
        public required string Function;
        public int TimeoutMs;
        /// <summary>The queue that confirmed the registration; null until it does (or after it stopped).</summary>
        public IActorRef? Queue;
        /// <summary>Place in <see cref="_log"/>: a larger slot is a newer registration.</summary>
        public int Slot;
    }

    private readonly Dictionary<string, Ability> _byName = new(StringComparer.Ordinal);
    /// <summary>Oldest registration first, with holes where a function was dropped or registered again.</summary>
    private readonly List<Ability?> _log = new();
    private readonly Dictionary<IActorRef, Ability> _byQueue = new();
    private readonly HashSet<Ability> _withWork = new();
    /// <summary>
    /// Registrations sent and not confirmed yet: their queue may hold jobs it has not told of, so a grab asks it.
    /// A queue tells of its work before it confirms, so once confirmed, a function is in <see cref="_withWork"/>
    /// exactly when its queue may have a job (gearmand sees a CAN_DO before the GRAB_JOB that follows it).
    /// </summary>
    /// <remarks>Counted per function: a worker's first function is registered twice (without notices, then with
    /// them once a second function comes), and only the second confirmation means its notices are on.</remarks>
    private readonly Dictionary<Ability, int> _pending = new();
    private string[]? _newestFirst;

    public int Count => _byName.Count;

    /// <summary>Some queue said it has a job for this worker since it last answered NO_JOB.</summary>
    public bool AnyWork => _withWork.Count > 0 || _pending.Count > 0;

    public bool IsPending(Ability a) => _pending.ContainsKey(a);

    /// <summary>Registrations sent whose queue has not confirmed them yet.</summary>
    public int PendingCount => _pending.Count;

    public IEnumerable<Ability> All => _byName.Values;

    public bool TryGet(string function, out Ability ability) => _byName.TryGetValue(function, out ability!);

    /// <summary>CAN_DO: adds the function, or makes it the newest registration again; true when it is new.</summary>
    public bool Add(string function, int timeoutMs)
    {
        var isNew = !_byName.TryGetValue(function, out var a);
        if (a is null)
        {
            a = new Ability { Function = function };
            _byName[function] = a;
        }
        else _log[a.Slot] = null;
        a.TimeoutMs = timeoutMs;
        a.Slot = _log.Count;
        _log.Add(a);
        _newestFirst = null;
        CompactIfSparse();
        return isNew;
    }

    public bool Remove(string function, out Ability ability)
    {
        if (!_byName.Remove(function, out ability!)) return false;
        _log[ability.Slot] = null;
        if (ability.Queue is not null) _byQueue.Remove(ability.Queue);
        _withWork.Remove(ability);
        _pending.Remove(ability);
        _newestFirst = null;
        CompactIfSparse();
        return true;
    }

    public void Clear()
    {
        _byName.Clear();
        _log.Clear();
        _byQueue.Clear();
        _withWork.Clear();
        _pending.Clear();
        _newestFirst = null;
    }

    /// <summary>A registration for the function went to its queue.</summary>
    /// <param name="again">The registration is sent again because earlier ones may be lost (their queue moved): it
    /// counts as the only one outstanding.</param>
    public void Sent(Ability a, bool again = false) => _pending[a] = again ? 1 : _pending.GetValueOrDefault(a) + 1;

    /// <summary>The queue confirmed a registration; true when it is another queue than the one known before.</summary>
    public bool Confirmed(string function, IActorRef queue)
    {
        if (!_byName.TryGetValue(function, out var a)) return false;
        if (_pending.TryGetValue(a, out var sent) && sent > 1) _pending[a] = sent - 1;
        else _pending.Remove(a);
        if (queue.Equals(a.Queue)) return false;
        if (a.Queue is not null) _byQueue.Remove(a.Queue);
        a.Queue = queue;
        _byQueue[queue] = a;
        return true;
    }

    /// <summary>The function whose queue this was, now without a queue; null if no registration went to it.</summary>
    public Ability? QueueStopped(IActorRef queue)
    {
        if (!_byQueue.Remove(queue, out var a)) return null;
        a.Queue = null;
        return a;
    }

    public void WorkAvailable(string function)
    {
        if (_byName.TryGetValue(function, out var a)) _withWork.Add(a);
    }

    public void NoWork(string function)
    {
        if (_byName.TryGetValue(function, out var a)) _withWork.Remove(a);
    }

    public bool MayHaveWork(Ability a) => _withWork.Contains(a) || _pending.ContainsKey(a);

    /// <summary>What `workers` lists: the newest registration first.</summary>
    public IReadOnlyList<string> NewestFirst()
    {
        if (_newestFirst is not null) return _newestFirst;
        var names = new string[_byName.Count];
        var i = 0;
        for (var slot = _log.Count - 1; slot >= 0; slot--)
            if (_log[slot] is { } a) names[i++] = a.Function;
        return _newestFirst = names;
    }

    /// <summary>
    /// The functions that may have a job, in the order a grab tries them: the newest registration first, or with
    /// round robin, turn <paramref name="turn"/> starts that many functions into the oldest-first order and wraps.
    /// </summary>
    public List<Ability> Candidates(bool roundRobin, int turn)
    {
        var list = new List<Ability>(_withWork);
        foreach (var a in _pending.Keys)
            if (!_withWork.Contains(a)) list.Add(a);
        if (!roundRobin)
        {
            list.Sort(static (a, b) => b.Slot.CompareTo(a.Slot));
            return list;
        }
        // A slot is a function's rank among all registrations once the log has no holes.
        if (_log.Count != _byName.Count) Compact();
        var n = _byName.Count;
        var start = (int)((uint)turn % (uint)n);
        list.Sort((a, b) => ((a.Slot - start + n) % n).CompareTo((b.Slot - start + n) % n));
        return list;
    }

    /// <summary>Re-registering the same functions over and over must not grow the log without bound.</summary>
    private void CompactIfSparse()
    {
        if (_log.Count > 64 && _log.Count > 2 * _byName.Count) Compact();
    }

    private void Compact()
    {
        var j = 0;
        for (var i = 0; i < _log.Count; i++)
        {
            if (_log[i] is not { } a) continue;
            a.Slot = j;
            _log[j++] = a;
        }
        _log.RemoveRange(j, _log.Count - j);
    }
}
