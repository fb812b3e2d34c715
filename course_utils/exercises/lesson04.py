"""Exercises of lesson 04, "Perdas e otimizadores".

* ``ex1``: binary cross-entropy in NumPy, a function, checked against
  ``keras.losses.BinaryCrossentropy`` (including predictions of exactly 0 and 1, which
  need Keras' clipping with ``keras.config.epsilon()``);
* ``ex2``: which Keras loss fits each of five problems (regression, binary,
  integer labels, one-hot labels, several independent yes/no outputs);
* ``ex3``: one step of SGD with momentum in Keras' convention, a function, checked
  against :func:`course_utils.optim.momentum_step` and ``keras.optimizers.SGD``;
* ``ex4``: one step of Adam with bias correction, a function, checked against
  :func:`course_utils.optim.adam_step` and ``keras.optimizers.Adam``.

Function answers are called on random inputs they have never seen. Keras is imported
only when a check runs.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from course_utils import fmt, optim
from course_utils.checks import Exercise, WrongAnswer, as_float_array, call_student, close

# ---- shared helpers ----------------------------------------------------------------------


def _fmt(array: np.ndarray) -> str:
    """A small array as code prints it (values a student compares with their own output)."""
    return np.array2string(np.asarray(array), precision=8, separator=", ",
                           max_line_width=10_000)


# ---- ex1: binary cross-entropy -----------------------------------------------------------


def bce_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Inputs ``(y_true, y_pred)`` on which ``ex1`` tries a function: two ordinary cases,
    a column of shape (N, 1) and one with predictions of exactly 0 and 1."""
    rng = np.random.default_rng(4)
    y1 = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=np.float64)
    p1 = rng.uniform(0.05, 0.95, size=8)
    y2 = rng.integers(0, 2, size=(6, 1)).astype(np.float64)
    y2[:2, 0] = (0, 1)
    p2 = rng.uniform(0.01, 0.99, size=(6, 1))
    y3 = np.array([1, 0, 1, 0, 1], dtype=np.float64)
    p3 = np.array([1.0, 0.0, 0.0, 1.0, 0.7])
    return [(y1, p1), (y2, p2), (y3, p3)]


def _keras_bce(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    import keras

    return float(keras.losses.BinaryCrossentropy()(y_true, y_pred))


def _bce_variants(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Values of the usual mistakes, to name the one a student made."""
    eps = 1e-7
    q = np.clip(p, eps, 1 - eps)
    terms = y * np.log(q) + (1 - y) * np.log(1 - q)
    return {
        "sum": float(-np.sum(terms)),
        "sign": float(np.mean(terms)),
        "only_positive": float(-np.mean(y * np.log(q))),
        "log10": float(-np.mean(y * np.log10(q) + (1 - y) * np.log10(1 - q))),
        "swapped": float(
            -np.mean(np.clip(p, 0, 1) * np.log(np.clip(y, eps, 1 - eps))
                     + (1 - p) * np.log(np.clip(1 - y, eps, 1 - eps)))
        ),
    }


def _check_bce(function: Any) -> str:
    """A function (y_true, y_pred) -> mean binary cross-entropy, equal to Keras'."""
    for number, (y, p) in enumerate(bce_cases()):
        edge = number == 2
        got = as_float_array(call_student(function, y.copy(), p.copy()), "o resultado")
        where = f"com y_true={_fmt(y.ravel())} e y_pred={_fmt(p.ravel())}"
        if got.size != 1:
            raise WrongAnswer(
                f"{where}, sua função devolveu formato {got.shape}, e não um único número: "
                "faltou tirar a média das perdas dos exemplos (`np.mean`)."
            )
        got = float(got.reshape(()))
        expected = _keras_bce(y, p)
        if not np.isfinite(got):
            raise WrongAnswer(
                f"{where}, sua função devolveu {got}. Com p exatamente 0 ou 1 aparece log(0); "
                "corte as probabilidades antes do log, como o Keras: "
                "`np.clip(y_pred, 1e-7, 1 - 1e-7)`."
            )
        # Keras works in float32, where 1 - 1e-7 rounds to 0.99999988: at p = 0 or 1 a
        # float64 answer differs from Keras' in the third digit.
        rel = 2e-2 if edge else 1e-5
        if np.isclose(got, expected, rtol=rel, atol=1e-7):
            continue
        variants = _bce_variants(y, p)
        message = (f"{where}, o esperado (keras.losses.BinaryCrossentropy) é "
                   f"{fmt.num(expected, 6)}, mas sua função deu {fmt.num(got, 6)}.")
        if np.isclose(got, variants["sum"], rtol=1e-4):
            message += " Você somou as perdas; a entropia cruzada do Keras é a média."
        elif np.isclose(got, variants["sign"], rtol=1e-4):
            message += (" O sinal está trocado: os logs de probabilidades são negativos, "
                        "então a fórmula começa com um menos.")
        elif np.isclose(got, variants["only_positive"], rtol=1e-4):
            message += " Faltou o termo (1 − y)·log(1 − p), o dos exemplos de classe 0."
        elif np.isclose(got, variants["log10"], rtol=1e-4):
            message += " Use o logaritmo natural, `np.log`, não `np.log10`."
        elif np.isclose(got, variants["swapped"], rtol=1e-4):
            message += " Parece que y_true e y_pred estão trocados: o log é das previsões."
        elif edge:
            message += (" Os casos com p exatamente 0 ou 1 estão errados: corte com "
                        "`np.clip(y_pred, 1e-7, 1 - 1e-7)`, o épsilon do Keras.")
        raise WrongAnswer(message)
    return "igual a keras.losses.BinaryCrossentropy nos três casos testados."


ex1 = Exercise(
    key="04/ex1",
    checker=_check_bce,
    hint=[
        (
            "A perda de um exemplo é menos o logaritmo da probabilidade que o modelo deu à classe "
            "certa: p quando y = 1, 1 − p quando y = 0. A resposta é a média disso sobre os "
            "exemplos."
        ),
        (
            "O que acontece com o logaritmo quando o modelo dá p = 0 a um exemplo com y = 1? O "
            "Keras evita isso afastando as probabilidades de 0 e de 1 por ε = 1e-7 antes do "
            "logaritmo (np.clip). Quando y vale 1, qual dos dois termos da fórmula sobra?"
        ),
    ],
)


# ---- ex2: which loss for which problem ---------------------------------------------------

LOSS_CHOICES = {
    "mse": "MSE (mean_squared_error)",
    "binary_crossentropy": "entropia cruzada binária",
    "categorical_crossentropy": "entropia cruzada categórica",
    "sparse_categorical_crossentropy": "entropia cruzada categórica esparsa",
}
"""The four losses of the lesson, by their Keras names."""

PROBLEMS = [
    ("o preço de um imóvel, em reais (uma saída sem ativação)", "mse"),
    ("pneumonia ou normal num raio-X (1 neurônio com sigmoide)", "binary_crossentropy"),
    ("o dígito do MNIST com os rótulos inteiros de `load_mnist` (10 neurônios com softmax)",
     "sparse_categorical_crossentropy"),
    ("a classe do CIFAR-10 com rótulos one-hot de `keras.utils.to_categorical` "
     "(10 neurônios com softmax)", "categorical_crossentropy"),
    ("que objetos aparecem numa foto, entre gato, cachorro e carro, podendo aparecer vários "
     "(3 neurônios com sigmoide, rótulos como [1, 0, 1])", "binary_crossentropy"),
]
"""``ex2``: each problem and the Keras loss that fits it."""

_ALIASES = {
    "mse": "mse",
    "meansquarederror": "mse",
    "binarycrossentropy": "binary_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
}


def _loss_name(answer: Any, index: int) -> str:
    """A loss given as a string, a keras.losses object or function, by its Keras name."""
    if isinstance(answer, str):
        text = answer
    elif isinstance(answer, type):
        text = answer.__name__
    elif hasattr(answer, "fn") and callable(answer.fn):  # LossFunctionWrapper
        text = answer.fn.__name__
    elif callable(answer) and hasattr(answer, "__name__"):
        text = answer.__name__
    else:
        text = type(answer).__name__
    key = re.sub(r"[^a-z]", "", text.lower())
    if key not in _ALIASES:
        options = ", ".join(f'"{name}"' for name in LOSS_CHOICES)
        raise WrongAnswer(
            f"a resposta {index + 1} é {answer!r}, que não é uma das perdas desta aula. "
            f"Use um destes nomes do Keras: {options}."
        )
    return _ALIASES[key]


def _check_losses(answer: Any) -> None:
    """Five Keras loss names, one per problem of :data:`PROBLEMS`, in order."""
    if not isinstance(answer, (tuple, list)) or len(answer) != len(PROBLEMS):
        raise WrongAnswer(
            f"passe as {len(PROBLEMS)} respostas juntas, numa tupla, na ordem dos problemas."
        )
    for index, ((problem, expected), given) in enumerate(zip(PROBLEMS, answer)):
        name = _loss_name(given, index)
        if name == expected:
            continue
        where = f"problema {index + 1} ({problem}): você escolheu {name}"
        if expected == "mse":
            reason = "a saída é um número real, não uma probabilidade; use o erro quadrático médio"
        elif expected == "binary_crossentropy" and index == 4:
            reason = (
                "cada saída é um sim/não independente (uma foto pode ter gato E carro), então "
                "cada sigmoide tem sua própria entropia cruzada binária; a categórica supõe "
                "uma única classe certa por exemplo"
            )
        elif expected == "binary_crossentropy":
            reason = "são duas classes e um único neurônio com sigmoide: entropia cruzada binária"
        elif expected == "sparse_categorical_crossentropy":
            reason = (
                "os rótulos são inteiros (formato (N,)); a versão não esparsa espera one-hot "
                "(N, 10), a esparsa aceita o inteiro diretamente"
            )
        else:
            reason = (
                "os rótulos já são one-hot (formato (N, 10)): é a entropia cruzada categórica; "
                "a esparsa espera inteiros"
            )
        raise WrongAnswer(f"{where}, mas {reason}.")


ex2 = Exercise(
    key="04/ex2",
    checker=_check_losses,
    hint=[
        (
            "Pergunte primeiro o que a rede devolve: um número real, um sim/não por saída (uma "
            "sigmoide em cada) ou uma classe entre várias (softmax). Depois olhe o formato dos "
            "rótulos."
        ),
        (
            "Em cada problema, pergunte: as saídas competem entre si (se uma sobe, as outras "
            "descem) ou cada uma responde à sua própria pergunta? Uma foto pode ter mais de uma "
            "resposta certa? E o rótulo de um exemplo é um número ou um vetor?"
        ),
    ],
)


# ---- ex3: the momentum step --------------------------------------------------------------

EX3_SETTINGS = {"learning_rate": 0.05, "momentum": 0.9}
"""Hyperparameters ``ex3`` calls the function with. η ≠ 1 − μ, so that the moving-average
form ``v ← μ v − (1 − μ) g`` cannot pass for ``v ← μ v − η g``."""


def _gradient_sequence(seed: int, steps: int, shape: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1, size=shape) for _ in range(steps)]


def _pair(result: Any, names: str, count: int) -> list[np.ndarray]:
    """A tuple result of ``count`` arrays; a clear message otherwise."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise WrongAnswer(
            f"sua função deveria devolver {count} valores, `return {names}`, mas devolveu "
            f"{type(result).__name__}"
            + (f" com {len(result)} itens." if isinstance(result, (tuple, list)) else ".")
        )
    return [as_float_array(r, "um dos valores devolvidos") for r in result]


def _keras_trajectory(keras_optimizer: Any, theta0: np.ndarray, grads: list[np.ndarray]):
    """Parameters after each of Keras' steps with the given gradients (float32)."""
    import tensorflow as tf

    variable = tf.Variable(theta0.astype(np.float32))
    points = []
    for grad in grads:
        keras_optimizer.apply_gradients([(tf.constant(grad, dtype=tf.float32), variable)])
        points.append(variable.numpy().astype(np.float64))
    return points


def _compare_with_keras(
    keras_optimizer: Any, theta0: np.ndarray, grads: list[np.ndarray], theta: np.ndarray,
    reference: str,
) -> str:
    """The note shown with "Correto!": the student's ``theta`` after ``grads`` against
    ``keras_optimizer`` run from ``theta0`` on the same gradients."""
    keras_points = _keras_trajectory(keras_optimizer, theta0, grads)
    gap = float(np.max(np.abs(keras_points[-1] - theta)))
    if gap > 1e-5:  # pragma: no cover - would mean course_utils.optim disagrees with Keras
        raise WrongAnswer(f"depois de {len(grads)} passos, o Keras chegou a "
                          f"{_fmt(keras_points[-1])} e você a {_fmt(theta)}.")
    return f"{len(grads)} passos iguais aos de {reference} (diferença máxima {fmt.num(gap)})."


def _momentum_mistake(theta, grad, velocity, step, lr, mu, new_theta) -> str:
    """What a wrong ``theta`` from a momentum step looks like, or an empty string."""
    if close(new_theta, theta + lr * grad + mu * velocity) or close(
        new_theta, theta + (mu * velocity + lr * grad)
    ):
        return " O passo foi morro acima: o gradiente entra com sinal de menos."
    if step > 1 and close(new_theta, theta - lr * grad):
        return " Isso é SGD sem momentum: a velocidade anterior (μ·v) não entrou na conta."
    if close(new_theta, theta - mu * velocity + lr * grad):
        return " Os sinais estão trocados: v = μ·v − η·g e depois θ + v."
    if close(new_theta, theta + mu * velocity - (1 - mu) * grad):
        return (" O gradiente entrou multiplicado por 1 − μ, como numa média móvel; no "
                "momentum ele entra multiplicado pela taxa de aprendizado η.")
    return ""


def _check_momentum(function: Any) -> str:
    """``(theta, grad, velocity, learning_rate, momentum) -> (theta, velocity)``, chained."""
    import keras

    lr, mu = EX3_SETTINGS["learning_rate"], EX3_SETTINGS["momentum"]
    theta0 = np.array([1.0, -2.0, 0.5])
    grads = _gradient_sequence(3, 4, theta0.shape)
    theta, velocity = theta0.copy(), np.zeros_like(theta0)
    ref_theta, ref_velocity = theta0.copy(), np.zeros_like(theta0)
    for step, grad in enumerate(grads, 1):
        inputs = (theta.copy(), grad.copy(), velocity.copy())
        result = call_student(function, *inputs, learning_rate=lr, momentum=mu)
        new_theta, new_velocity = _pair(result, "theta, velocity", 2)
        ref_theta, ref_velocity = optim.momentum_step(ref_theta, grad, ref_velocity, lr, mu)
        if new_theta.shape != theta.shape or new_velocity.shape != theta.shape:
            raise WrongAnswer(
                f"theta e velocity devolvidos deveriam ter formato {theta.shape}, mas têm "
                f"{new_theta.shape} e {new_velocity.shape}."
            )
        where = f"no passo {step} (η = {fmt.num(lr)}, μ = {fmt.num(mu)})"
        if not close(new_theta, ref_theta):
            raise WrongAnswer(
                f"{where}, theta deveria ser {_fmt(ref_theta)}, mas é {_fmt(new_theta)}."
                + _momentum_mistake(*inputs, step, lr, mu, new_theta)
            )
        if not close(new_velocity, ref_velocity):
            message = (f"{where}, theta está certo, mas a velocidade devolvida deveria ser "
                       f"{_fmt(ref_velocity)} e é {_fmt(new_velocity)}.")
            if close(new_velocity, -ref_velocity):
                message += (" Ela tem o sinal trocado: na convenção do Keras a velocidade é "
                            "o próprio passo, v = μ·v − η·g, e θ ← θ + v.")
            elif close(new_velocity, -ref_velocity / lr):
                message += (" Essa é a convenção do PyTorch, v = μ·v + g e θ ← θ − η·v: o θ "
                            "sai igual, mas a velocidade não. Aqui use a do Keras, em que a "
                            "velocidade é o próprio passo: v = μ·v − η·g e θ ← θ + v.")
            elif close(new_velocity, inputs[2]):
                message += " É a velocidade de entrada: devolva a velocidade atualizada."
            raise WrongAnswer(message)
        if not np.array_equal(inputs[0], theta) or not np.array_equal(inputs[2], velocity):
            raise WrongAnswer(
                "sua função alterou os arrays que recebeu (com `+=` ou `-=`); "
                "calcule arrays novos e devolva-os."
            )
        theta, velocity = new_theta, new_velocity
    return _compare_with_keras(
        keras.optimizers.SGD(learning_rate=lr, momentum=mu), theta0, grads, theta,
        f"course_utils.optim e de keras.optimizers.SGD(momentum={mu})",
    )


ex3 = Exercise(
    key="04/ex3",
    checker=_check_momentum,
    hint=[
        (
            "Na convenção do Keras a velocidade é o próprio passo: ela guarda uma fração μ da "
            "velocidade anterior e soma o passo do gradiente, que aponta morro abaixo (−η·g)."
        ),
        (
            "Qual vem primeiro: o θ novo usa a velocidade nova ou a antiga? Na convenção do "
            "Keras, o passo que θ dá é exatamente a velocidade. Calcule em arrays novos: o "
            "verificador chama a função várias vezes com os mesmos arrays."
        ),
    ],
)


# ---- ex4: one Adam step ------------------------------------------------------------------

EX4_SETTINGS = {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6}
"""Hyperparameters ``ex4`` calls the function with. None is Keras' default, so a function
that writes 0.9, 0.999 or 1e-7 in its code instead of using its arguments is caught."""

ADAM_DEFAULTS = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
"""The default values of ``keras.optimizers.Adam`` (and of the lesson's ``adam_step``)."""

SMALL_GRADIENT = np.array([1e-3, -4e-4, 2.5e-3, -1.5e-3])
"""A gradient so small that √v̂ is close to ε: where ε goes changes the step. (The five
chained steps use gradients near 1, where ε is lost in the rounding.)"""


def _adam_variants(theta, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    """The parameters a few common mistakes produce, by name."""
    m_new = beta_1 * m + (1 - beta_1) * grad
    v_new = beta_2 * v + (1 - beta_2) * grad**2
    m_hat, v_hat = m_new / (1 - beta_1**t), v_new / (1 - beta_2**t)
    keras_rate = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return {
        "sem correção de viés": theta - learning_rate * m_new / (np.sqrt(v_new) + epsilon),
        "com a correção dos slides do IFCE, (1 − β) em vez de (1 − βᵗ)": theta - learning_rate
        * (m_new / (1 - beta_1)) / (np.sqrt(v_new / (1 - beta_2)) + epsilon),
        "com t + 1 na correção de viés": theta - learning_rate
        * (m_new / (1 - beta_1 ** (t + 1))) / (np.sqrt(v_new / (1 - beta_2 ** (t + 1))) + epsilon),
        "sem a raiz quadrada": theta - learning_rate * m_hat / (v_hat + epsilon),
        "com o passo morro acima": theta + learning_rate * m_hat / (np.sqrt(v_hat) + epsilon),
        "com o ε dentro da raiz": theta - learning_rate * m_hat / np.sqrt(v_hat + epsilon),
        "sem o ε": theta - learning_rate * m_hat / np.sqrt(v_hat),
        "na forma do Keras, com o ε somado a √v": theta - keras_rate * m_new / (
            np.sqrt(v_new) + epsilon),
        "com os valores padrão escritos no código": optim.adam_step(
            theta, grad, m, v, t, learning_rate, **ADAM_DEFAULTS)[0],
    }


_ADAM_ADVICE = {
    "sem correção de viés": "divida m por (1 − β₁ᵗ) e v por (1 − β₂ᵗ) antes do passo",
    "com a correção dos slides do IFCE, (1 − β) em vez de (1 − βᵗ)": (
        "a correção usa a potência t, m̂ = m / (1 − β₁ᵗ) e v̂ = v / (1 − β₂ᵗ)"
    ),
    "com t + 1 na correção de viés": (
        "o t que a função recebe já é o número do passo, começando em 1: use βᵗ, não βᵗ⁺¹"
    ),
    "sem a raiz quadrada": "o denominador é √v̂ + ε",
    "com o passo morro acima": "θ ← θ − η·m̂/(√v̂ + ε), com sinal de menos",
    "sem o ε": (
        "o denominador é √v̂ + ε; sem o ε, um gradiente zero dá 0/0 e um gradiente pequeno "
        "dá um passo grande demais"
    ),
    "com o ε dentro da raiz": (
        "no Adam o ε é somado depois da raiz, √v̂ + ε (é o AdaGrad e o RMSProp do Keras que o "
        "põem dentro); com gradientes pequenos como estes a diferença aparece"
    ),
    "na forma do Keras, com o ε somado a √v": (
        "o exercício pede a regra publicada, com o ε somado a √v̂; a caixa \"Para ir além\" "
        "da aula mostra por que as duas formas só diferem quando os gradientes são pequenos"
    ),
    "com os valores padrão escritos no código": (
        "use os argumentos beta_1, beta_2 e epsilon que a função recebe; o verificador chama "
        f"a função com outros valores ({', '.join(f'{k}={v}' for k, v in EX4_SETTINGS.items())})"
    ),
}


def _adam_mistake(inputs: tuple, t: int, new_theta: np.ndarray) -> str:
    """The name and advice of the mistake that gives ``new_theta``, or an empty string."""
    with np.errstate(divide="ignore", invalid="ignore"):
        variants = _adam_variants(*inputs, t, **EX4_SETTINGS)
    for name, value in variants.items():
        if close(new_theta, value, atol=1e-7):
            return f" Parece o Adam {name}: {_ADAM_ADVICE[name]}."
    return ""


def _adam_state_mistake(inputs: tuple, t: int, new_m, new_v, ref_m, ref_v) -> str:
    """Why the returned ``m`` and ``v`` differ from the reference, or an empty string."""
    beta_1, beta_2 = EX4_SETTINGS["beta_1"], EX4_SETTINGS["beta_2"]
    if close(new_m, ref_m / (1 - beta_1**t)) and close(new_v, ref_v / (1 - beta_2**t)):
        return (" Você devolveu m̂ e v̂: devolva m e v sem correção; a correção só entra no "
                "cálculo do passo.")
    if close(new_m, beta_2 * inputs[2] + (1 - beta_2) * inputs[1]):
        return (f" β₁ e β₂ estão trocados: β₁ ({beta_1}) vai com o gradiente, em m; β₂ "
                f"({beta_2}) com o gradiente ao quadrado, em v.")
    if close(new_m, inputs[2]) and close(new_v, inputs[3]):
        return " São os valores de entrada: devolva m e v atualizados."
    _, default_m, default_v = optim.adam_step(*inputs, t, **ADAM_DEFAULTS)
    if close(new_m, default_m) and close(new_v, default_v):
        return (f" Parece o Adam com os valores padrão escritos no código: "
                f"{_ADAM_ADVICE['com os valores padrão escritos no código']}.")
    return ""


def _adam_one_step(function: Any, inputs: tuple, t: int, where: str) -> list[np.ndarray]:
    """Call the student's step on ``inputs`` at step ``t``; its ``(theta, m, v)`` if right."""
    result = call_student(function, *(x.copy() for x in inputs), t, **EX4_SETTINGS)
    new_theta, new_m, new_v = _pair(result, "theta, m, v", 3)
    ref_theta, ref_m, ref_v = optim.adam_step(*inputs, t, **EX4_SETTINGS)
    for got, name in ((new_theta, "theta"), (new_m, "m"), (new_v, "v")):
        if got.shape != inputs[0].shape:
            raise WrongAnswer(
                f"{where}, {name} deveria ter formato {inputs[0].shape}, mas tem {got.shape}."
            )
    if not np.all(np.isfinite(new_theta)):
        raise WrongAnswer(
            f"{where}, theta tem valores não finitos ({_fmt(new_theta)}). Some ε depois da "
            "raiz (√v̂ + ε) para nunca dividir por zero, e confira a correção de viés: ela "
            "divide por 1 − βᵗ com o t recebido, que começa em 1 (com t − 1 o primeiro "
            "passo divide por 1 − β⁰ = 0)."
        )
    if not close(new_m, ref_m) or not close(new_v, ref_v):
        raise WrongAnswer(
            f"{where}, m e v deveriam ser {_fmt(ref_m)} e {_fmt(ref_v)}, "
            f"mas são {_fmt(new_m)} e {_fmt(new_v)}."
            + _adam_state_mistake(inputs, t, new_m, new_v, ref_m, ref_v)
        )
    if not close(new_theta, ref_theta, atol=1e-7):
        raise WrongAnswer(
            f"{where}, theta deveria ser {_fmt(ref_theta)}, mas é {_fmt(new_theta)}."
            + _adam_mistake(inputs, t, new_theta)
        )
    return [new_theta, new_m, new_v]


def _check_adam(function: Any) -> str:
    """``(theta, grad, m, v, t, ...) -> (theta, m, v)``: a first step with
    :data:`SMALL_GRADIENT`, where the place of ε matters, then t = 1..5 with gradients near 1,
    compared with :func:`course_utils.optim.adam_step` and ``keras.optimizers.Adam``."""
    import keras

    theta0 = np.array([0.5, -1.5, 2.0, 0.0])
    zeros = np.zeros_like(theta0)
    _adam_one_step(function, (theta0, SMALL_GRADIENT, zeros, zeros), 1,
                   f"no passo t = 1 com um gradiente pequeno, {_fmt(SMALL_GRADIENT)}")
    grads = _gradient_sequence(4, 5, theta0.shape)
    grads[0][3] = 0.0  # a parameter whose first gradient is zero: 0/(0 + ε) must stay 0
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for t, grad in enumerate(grads, 1):
        inputs = (theta.copy(), grad.copy(), m.copy(), v.copy())
        new_theta, new_m, new_v = _adam_one_step(function, inputs, t, f"no passo t = {t}")
        if not (np.array_equal(inputs[0], theta) and np.array_equal(inputs[2], m)
                and np.array_equal(inputs[3], v)):
            raise WrongAnswer(
                "sua função alterou os arrays que recebeu (com `+=` ou `-=`); "
                "calcule arrays novos e devolva-os."
            )
        theta, m, v = new_theta, new_m, new_v
    return _compare_with_keras(keras.optimizers.Adam(**EX4_SETTINGS), theta0, grads, theta,
                               "course_utils.optim.adam_step e de keras.optimizers.Adam")


ex4 = Exercise(
    key="04/ex4",
    checker=_check_adam,
    hint=[
        (
            "O Adam mantém duas médias móveis: m, dos gradientes (com β₁), e v, dos gradientes ao "
            "quadrado (com β₂). O passo usa as duas depois de corrigir o viés de elas começarem em "
            "zero."
        ),
        (
            "Pense no primeiro passo, t = 1: m começou em zero, então m = (1 − β₁)·g, bem "
            "menor que g. Por qual número você divide m para ter g de volta? A mesma pergunta vale "
            "para v. E onde fica o ε: dentro ou fora da raiz? Releia a fórmula do Adam na aula."
        ),
    ],
)

