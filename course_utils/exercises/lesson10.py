"""Exercises of lesson 10, "Normalização em lote e dropout", and the lesson's shared settings.

* ``ex1``: training-mode batch normalization as a function ``(x, gamma, beta, epsilon) -> y``,
  tried on (N, C) and (N, H, W, C) inputs and checked against
  :func:`course_utils.regularization.batch_norm_train` and
  ``keras.layers.BatchNormalization(...)(x, training=True)``;
* ``ex2``: the moving mean and moving variance after one training step on the batch of
  :func:`step_problem`, checked against a Keras layer given the same starting statistics;
* ``ex3``: a function ``bn_params(filters) -> (total, trainable)``, the parameters of the
  BatchNormalization layers of ``build_vgg_style(filters, batch_norm=True)``, called with
  :data:`EX3_FILTERS` and checked against Keras' ``count_params`` (a number read off the
  summary of the lesson's model gives the same pair for every ``filters`` and is named);
* ``ex4``: inverted dropout as a function ``(x, rate, rng) -> y`` (training mode), checked by
  its statistics (dropped fraction, kept values exactly ``x / (1 - rate)``, the mean) and
  next to ``keras.layers.Dropout``.

The ablation settings (:data:`VARIANTS`, :func:`build_variant`, :data:`VAL_FRACTION`, epochs)
are shared by ``solutions/10_batchnorm_dropout.py`` and ``benchmarks/cifar10_ablation.py``,
with the course's seed and split (:mod:`course_utils.lessons`), so the benchmark trains
exactly what the lesson trains. Keras is imported only when needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from course_utils import fmt, regularization
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_float_array,
    as_int,
    as_list,
    call_student,
    close,
)

if TYPE_CHECKING:
    import keras

# ---- the lesson's settings -----------------------------------------------------------------

VAL_FRACTION = 0.1
"""Share of the training set kept for validation (5,000 of CIFAR-10's 50,000 images), split
by :func:`course_utils.lessons.reference_split`."""

BATCH_SIZE = 64
"""Images per gradient step, for every variant."""

DROPOUT_RATE = 0.2
"""Dropout rate of the variants with dropout: the lecture's 0.2."""

FULL_FILTERS = (32, 64, 128)
"""Filters of ``build_vgg_style`` in full mode (and in the benchmark)."""

FAST_FILTERS = (16, 32)
"""Smaller filters for fast mode, so the five variants train in seconds."""

ABLATION_EPOCHS = (10, 1)
"""``config.epochs(*ABLATION_EPOCHS)``: epochs of each ablation variant (full, fast)."""

FINAL_EPOCHS = (40, 1)
"""``config.epochs(*FINAL_EPOCHS)``: epochs of the final, longer run (full, fast)."""

FINAL_PATIENCE = 8
"""Early stopping patience (epochs without a lower validation loss) of the final run."""

VARIANTS: dict[str, dict[str, Any]] = {
    "nenhuma": {"batch_norm": False, "dropout": 0.0, "augmentation": False},
    "dropout": {"batch_norm": False, "dropout": DROPOUT_RATE, "augmentation": False},
    "BN": {"batch_norm": True, "dropout": 0.0, "augmentation": False},
    "BN + dropout": {"batch_norm": True, "dropout": DROPOUT_RATE, "augmentation": False},
    "BN + dropout + aumento": {"batch_norm": True, "dropout": DROPOUT_RATE,
                               "augmentation": True},
}
"""The ablation: what each variant adds to the plain VGG-style network."""


def make_augmentation() -> keras.Sequential:
    """Random horizontal flips and shifts of up to 10 % (two of the layers of lesson 09)."""
    import keras

    return keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomTranslation(0.1, 0.1)],
        name="aumento",
    )


def build_variant(name: str, filters: tuple[int, ...] = FULL_FILTERS) -> keras.Model:
    """The uncompiled ``build_vgg_style`` model of one of :data:`VARIANTS`."""
    from course_utils.models import build_vgg_style

    if name not in VARIANTS:
        raise ValueError(f"variante desconhecida {name!r}; válidas: {list(VARIANTS)}")
    spec = VARIANTS[name]
    return build_vgg_style(
        filters=filters,
        batch_norm=spec["batch_norm"],
        dropout=spec["dropout"],
        augmentation=make_augmentation() if spec["augmentation"] else None,
    )


# ---- shared helpers --------------------------------------------------------------------------


def _close(a: Any, b: Any, atol: float = 1e-5) -> bool:
    """The tolerance of this lesson's checks: float32 Keras against float64 NumPy."""
    return close(a, b, atol=atol, rtol=1e-5)


def _fmt(array: Any) -> str:
    """A vector as a Brazilian reader writes it: ``[0,2; -0,5; 1]``."""
    return "[" + "; ".join(fmt.num(float(v)) for v in np.ravel(array)) + "]"


def _keras_bn(shape: tuple[int, ...], weights: list[np.ndarray], epsilon: float,
              momentum: float = regularization.DEFAULT_MOMENTUM) -> Any:
    import keras

    layer = keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum)
    layer.build(shape)
    layer.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    return layer


# ---- ex1: batch normalization in training mode ------------------------------------------------


def bn_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """``(x, gamma, beta, epsilon)`` on which ``ex1`` tries a function: a dense (N, C) batch
    and a conv (N, H, W, C) batch, channels with different means and scales, and one case
    with a large epsilon so that ignoring the argument shows."""
    rng = np.random.default_rng(9)
    cases = []
    for shape, epsilon in (((16, 3), 1e-3), ((4, 5, 5, 2), 1e-3), ((6, 3, 3, 4), 0.5)):
        channels = shape[-1]
        x = rng.normal(size=shape) * rng.uniform(0.3, 3, channels) + rng.uniform(-4, 4, channels)
        gamma = rng.uniform(0.5, 2.0, channels)
        beta = rng.normal(0.0, 1.0, channels)
        cases.append((x.astype(np.float32), gamma.astype(np.float32),
                      beta.astype(np.float32), epsilon))
    return cases


def _bn_variants(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float
                 ) -> dict[str, np.ndarray]:
    """What the usual mistakes give, to name the one a student made."""
    x = x.astype(np.float64)
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    unbiased = x.var(axis=axes, ddof=1)
    x_hat = (x - mean) / np.sqrt(var + epsilon)
    out = {
        "unbiased": gamma * (x - mean) / np.sqrt(unbiased + epsilon) + beta,
        "no_epsilon": gamma * (x - mean) / np.sqrt(var) + beta,
        "epsilon_outside": gamma * (x - mean) / (np.sqrt(var) + epsilon) + beta,
        "default_epsilon": gamma * (x - mean) / np.sqrt(var + 1e-3) + beta,
        "no_scale": x_hat,
        "swapped": beta * x_hat + gamma,
        "std_not_var": gamma * (x - mean) / np.sqrt(x.std(axis=axes) + epsilon) + beta,
    }
    if x.ndim > 2:
        m0, v0 = x.mean(axis=0), x.var(axis=0)
        out["batch_axis_only"] = gamma * (x - m0) / np.sqrt(v0 + epsilon) + beta
    return out


_BN_ADVICE = {
    "unbiased": ("a variância da normalização em lote é a enviesada (divide por N, "
                 "`ddof=0`, o padrão de `np.var`), não a amostral (`ddof=1`)"),
    "no_epsilon": "faltou somar epsilon à variância dentro da raiz: √(σ² + ε)",
    "epsilon_outside": ("epsilon vai dentro da raiz, somado à variância: √(σ² + ε), "
                        "não √σ² + ε"),
    "default_epsilon": "use o argumento `epsilon` que a função recebe, não um valor fixo",
    "no_scale": "faltou aplicar γ e β no fim: y = γ·x̂ + β",
    "swapped": "γ e β estão trocados: γ multiplica (escala) e β soma (deslocamento)",
    "std_not_var": "dentro da raiz vai a variância σ², não o desvio padrão",
    "batch_axis_only": (
        "numa entrada (N, H, W, C) a média e a variância são por canal, sobre os eixos "
        "(0, 1, 2): lote e posições juntos. Você usou só o eixo 0"
    ),
}


def _check_bn_forward(function: Any) -> str:
    """A function ``(x, gamma, beta, epsilon) -> y`` equal to Keras' training-mode output."""
    import keras

    gaps = []
    for x, gamma, beta, epsilon in bn_cases():
        where = f"com x de formato {x.shape} e epsilon={epsilon}"
        result = call_student(function, x.copy(), gamma.copy(), beta.copy(), epsilon)
        got = as_float_array(result, "o resultado")
        reference = regularization.batch_norm_train(x, gamma, beta, epsilon)
        if got.shape != x.shape:
            raise WrongAnswer(
                f"{where}, sua função devolveu formato {got.shape}; a saída da "
                f"normalização em lote tem o formato da entrada, {x.shape}."
            )
        if not np.all(np.isfinite(got)):
            raise WrongAnswer(f"{where}, sua função devolveu valores não finitos (nan ou inf).")
        if not _close(got, reference):
            differ = int(np.sum(~np.isclose(got, reference, atol=1e-5, rtol=1e-5)))
            message = f"{where}, {differ} de {got.size} valores diferem do esperado."
            for name, value in _bn_variants(x, gamma, beta, epsilon).items():
                if _close(got, value, atol=1e-4):
                    message += f" Parece que {_BN_ADVICE[name]}."
                    break
            raise WrongAnswer(message)
        layer = _keras_bn(x.shape, [gamma, beta, np.zeros_like(gamma), np.ones_like(gamma)],
                          epsilon)
        keras_out = keras.ops.convert_to_numpy(layer(x, training=True))
        gaps.append(float(np.max(np.abs(keras_out - got))))
    return (f"igual a course_utils.regularization.batch_norm_train e a "
            f"keras.layers.BatchNormalization(training=True) nos {len(gaps)} casos testados "
            f"(diferença máxima para o Keras: {fmt.num(max(gaps))}).")


ex1 = Exercise(
    key="10/ex1",
    checker=_check_bn_forward,
    hint=[
        (
            "É a fórmula do texto, canal por canal: as estatísticas do lote, a padronização e "
            "depois a escala e o deslocamento. Qual eixo de x guarda os canais?"
        ),
        (
            "x pode ter 2 ou 4 eixos, e a média de um canal corre sobre todos os outros. Como "
            "escrever \"todos os eixos menos o último\" sem saber quantos eixos x tem?"
        ),
    ],
)


# ---- ex2: the moving statistics after one step -------------------------------------------------


EX2_MOMENTUM = 0.9
"""Momentum of ``ex2``'s layer. Not Keras' default 0.99: with 0.99 an ε wrongly added to the
batch variance moves the answer by only 0.01·ε, within float32 noise; with 0.9 it shows."""


def step_problem() -> dict[str, Any]:
    """The data of ``ex2``: a conv batch ``x`` (N, H, W, C), the moving statistics before
    the step and the layer's momentum (:data:`EX2_MOMENTUM`)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4, 4, 3)) * np.array([0.5, 2.0, 4.0]) + np.array([3.0, -1.0, 0.5])
    return {
        "x": x.astype(np.float32),
        "moving_mean": np.array([0.2, -0.5, 1.0], dtype=np.float32),
        "moving_variance": np.array([1.5, 0.8, 2.0], dtype=np.float32),
        "momentum": EX2_MOMENTUM,
    }


def _keras_one_step(problem: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    x = problem["x"]
    channels = x.shape[-1]
    layer = _keras_bn(
        x.shape,
        [np.ones(channels), np.zeros(channels), problem["moving_mean"],
         problem["moving_variance"]],
        regularization.DEFAULT_EPSILON,
        problem["momentum"],
    )
    layer(x, training=True)
    moving_mean, moving_variance = layer.get_weights()[2:]
    return moving_mean.astype(np.float64), moving_variance.astype(np.float64)


def _check_moving(answer: Any) -> str:
    """``(new_moving_mean, new_moving_variance)`` after one training step."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise WrongAnswer("passe os dois resultados juntos, numa tupla: "
                          "(new_moving_mean, new_moving_variance).")
    new_mean = as_float_array(answer[0], "new_moving_mean")
    new_var = as_float_array(answer[1], "new_moving_variance")
    problem = step_problem()
    x, mu = problem["x"].astype(np.float64), problem["momentum"]
    mm, mv = problem["moving_mean"].astype(np.float64), problem["moving_variance"].astype(
        np.float64)
    channels = x.shape[-1]
    for got, name in ((new_mean, "new_moving_mean"), (new_var, "new_moving_variance")):
        if got.shape != (channels,):
            extra = ""
            if got.shape == x.shape[1:]:
                extra = (" Você tirou a média só sobre o eixo do lote; numa entrada "
                         "(N, H, W, C) ela é sobre os eixos (0, 1, 2).")
            raise WrongAnswer(f"{name} tem formato {got.shape}, mas deveria ter um valor por "
                              f"canal, formato ({channels},).{extra}")
    want_mean, want_var = _keras_one_step(problem)
    batch_mean, batch_var = regularization.batch_moments(x)
    if _close(new_mean, want_var) and _close(new_var, want_mean):
        raise WrongAnswer("os dois resultados estão trocados: primeiro a média, depois a "
                          "variância.")
    for got, want, batch, moving, name, what in (
        (new_mean, want_mean, batch_mean, mm, "new_moving_mean", "média"),
        (new_var, want_var, batch_var, mv, "new_moving_variance", "variância"),
    ):
        if _close(got, want):
            continue
        message = f"{name} deveria ser {_fmt(want)}, mas é {_fmt(got)}."
        if _close(got, batch):
            message += (f" Esse valor é a {what} do lote: a estatística móvel só anda "
                        f"(1 − momentum) = {fmt.num(1 - mu, 2)} do caminho até ela.")
        elif _close(got, moving):
            message += " Esse é o valor de antes do passo: faltou atualizar."
        elif _close(got, moving * (1 - mu) + batch * mu):
            message += (f" Os pesos estão trocados: no Keras, momentum = {mu} multiplica o "
                        "valor móvel antigo, e (1 − momentum) multiplica o do lote.")
        elif name == "new_moving_variance" and _close(
            got, moving * mu + x.reshape(-1, channels).var(axis=0, ddof=1) * (1 - mu)
        ):
            message += (" Você usou a variância amostral (ddof=1); o Keras usa a enviesada "
                        "(`np.var` com o padrão ddof=0).")
        elif name == "new_moving_variance" and _close(
            got, moving * mu + (batch + regularization.DEFAULT_EPSILON) * (1 - mu)
        ):
            message += (" Você somou ε à variância do lote; o ε só entra na divisão da "
                        "normalização, e a variância móvel acompanha a variância do lote "
                        "sem ele.")
        raise WrongAnswer(message)
    return ("igual às estatísticas móveis de keras.layers.BatchNormalization depois de uma "
            "chamada com training=True.")


ex2 = Exercise(
    key="10/ex2",
    checker=_check_moving,
    hint=[
        (
            "Primeiro as estatísticas deste lote, um número por canal; depois a regra da "
            "média móvel do Keras, a fórmula mostrada acima."
        ),
        (
            "Na regra do Keras, o momentum é o peso de qual dos dois valores, o móvel antigo "
            "ou o do lote? Releia o aviso sobre o PyTorch, que escreve a mesma regra ao "
            "contrário."
        ),
    ],
)


# ---- ex4: inverted dropout --------------------------------------------------------------------

DROPOUT_RATES = (0.2, 0.5)
"""Rates ``ex4`` tries a function with."""

_DROPOUT_SHAPE = (200, 500)
"""100,000 values: the dropped fraction's standard error is at most 0.0016."""


def _dropout_input() -> np.ndarray:
    """Values in [1, 2): a zero in the output can only be a dropped value."""
    return np.random.default_rng(77).uniform(1.0, 2.0, size=_DROPOUT_SHAPE).astype(np.float32)


def _check_dropout(function: Any) -> str:
    """A function ``(x, rate, rng) -> y``: inverted dropout in training mode."""
    import keras

    x = _dropout_input()
    notes = []
    for number, rate in enumerate(DROPOUT_RATES):
        where = f"com rate={rate}"
        got = as_float_array(call_student(function, x.copy(), rate, np.random.default_rng(number)),
                     "o resultado")
        if got.shape != x.shape:
            raise WrongAnswer(f"{where}, sua função devolveu formato {got.shape}; o dropout "
                              f"mantém o formato da entrada, {x.shape}.")
        dropped = got == 0
        for axis, unit in ((1, "linha"), (0, "coluna")):
            whole = dropped.all(axis=axis) | (~dropped).all(axis=axis)
            if dropped.any() and not dropped.all() and whole.all():
                raise WrongAnswer(
                    f"{where}, cada {unit} de x saiu inteira zerada ou inteira mantida: a "
                    f"máscara foi sorteada uma vez por {unit}. O dropout sorteia cada valor "
                    "separadamente: a máscara tem o formato de x."
                )
        fraction = float(dropped.mean())
        if abs(fraction - rate) > 0.01:
            message = (f"{where}, sua função zerou {fmt.pct(fraction)} dos valores, mas "
                       f"deveria zerar cerca de {fmt.pct(rate, 0)}.")
            if abs(fraction - (1 - rate)) <= 0.01 and rate != 0.5:
                message += (" rate é a fração *desligada*; você usou rate como a "
                            "probabilidade de manter.")
            elif fraction == 0:
                message += " Nenhum valor foi zerado: o sorteio da máscara não foi aplicado."
            raise WrongAnswer(message)
        kept_got, kept_x = got[~dropped], x[~dropped].astype(np.float64)
        if not np.allclose(kept_got, kept_x / (1 - rate), rtol=1e-5, atol=0):
            message = (f"{where}, os valores mantidos deveriam ser x / (1 − rate) = "
                       f"x / {fmt.num(1 - rate)}, mas não são.")
            if np.allclose(kept_got, kept_x, rtol=1e-5):
                message += (" Eles ficaram iguais a x: faltou dividir por (1 − rate), e sem "
                            "isso a média da saída cai no treino.")
            elif np.allclose(kept_got, kept_x * (1 - rate), rtol=1e-5):
                message += (" Você multiplicou por (1 − rate); no dropout invertido os "
                            "sobreviventes são divididos por (1 − rate).")
            elif np.allclose(kept_got, kept_x / rate, rtol=1e-5):
                message += " Você dividiu por rate; o divisor é a fração mantida, 1 − rate."
            raise WrongAnswer(message)
        again = as_float_array(call_student(function, x.copy(), rate, np.random.default_rng(number)),
                       "o resultado")
        if not np.array_equal(again, got):
            raise WrongAnswer(
                f"{where}, duas chamadas com geradores de mesma semente deram máscaras "
                "diferentes: sorteie a máscara com o `rng` recebido (por exemplo "
                "`rng.random(x.shape)`), não com `np.random` diretamente."
            )
        other = as_float_array(call_student(function, x.copy(), rate, np.random.default_rng(99)),
                       "o resultado")
        if np.array_equal(other == 0, dropped):
            raise WrongAnswer(f"{where}, geradores diferentes deram a mesma máscara: a máscara "
                              "tem que ser sorteada a cada chamada.")
        theirs = keras.ops.convert_to_numpy(
            keras.layers.Dropout(rate, seed=number)(x, training=True))
        notes.append(f"rate={rate}: você zerou {fmt.pct(fraction)}, o Keras "
                     f"{fmt.pct(float((theirs == 0).mean()))}; média {fmt.num(got.mean(), 4)} "
                     f"(Keras {fmt.num(theirs.mean(), 4)}, entrada {fmt.num(x.mean(), 4)})")
    return "dropout invertido como keras.layers.Dropout. " + "; ".join(notes) + "."


ex4 = Exercise(
    key="10/ex4",
    checker=_check_dropout,
    hint=[
        (
            "Sorteie com o gerador rng, para cada valor de x, se ele fica (probabilidade 1 − "
            "rate) ou vira zero."
        ),
        (
            "Se 20 % dos valores viram zero, a média da saída cai para quanto da média de x? "
            "O que fazer com os valores que ficam para ela voltar a ser a de x?"
        ),
    ],
)


# ---- ex3: parameters of the BatchNormalization layers ------------------------------------------


def bn_parameter_count(model: Any) -> tuple[int, int]:
    """``(total, trainable)`` parameters of the BatchNormalization layers of a Keras model."""
    import keras

    layers = [layer for layer in _all_layers(model)
              if isinstance(layer, keras.layers.BatchNormalization)]
    total = sum(layer.count_params() for layer in layers)
    trainable = sum(int(np.prod(w.shape)) for layer in layers for w in layer.trainable_weights)
    return total, trainable


def _all_layers(model: Any) -> list[Any]:
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out.extend(_all_layers(layer))
    return out


EX3_FILTERS = (FULL_FILTERS, (8, 24), (5,), (12, 20, 40, 80))
"""The ``filters`` ex3 calls the student's function with: the lesson's model first, then
others, so a count read off the summary printed in the notebook cannot pass."""


def _bn_pair(value: Any) -> tuple[int, int]:
    """A ``(total, trainable)`` answer as two ints, or WrongAnswer saying what it is."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise WrongAnswer(
            f"sua função deveria devolver dois números numa tupla, (total, treináveis), mas "
            f"devolveu {value!r:.80}."
        )
    total, trainable = as_list(value, "números", 2)
    return as_int(total, "o total"), as_int(trainable, "os treináveis")


def _bn_slip(got: tuple[int, int], want: tuple[int, int], filters: tuple[int, ...]) -> str:
    """The message naming the slip behind a wrong ``(total, trainable)`` for ``filters``."""
    total, trainable = got
    want_total, want_trainable = want
    channels = want_trainable // 2
    layers = 2 * len(filters)
    where = f"com filters={filters}: "
    if got == (want_trainable, want_total):
        return where + "os dois números estão trocados: primeiro o total, depois os treináveis."
    if got == (want_total // 2, want_trainable // 2):
        return where + (
            f"você contou metade das camadas: cada bloco de build_vgg_style tem **duas** "
            f"convoluções, e cada uma tem seu BatchNormalization ({layers} camadas no total)."
        )
    if total == trainable:
        return where + (
            f"total e treináveis deram o mesmo número ({total}). As médias e variâncias "
            "móveis também são parâmetros (entram em count_params), mas não são treinadas "
            "pelo gradiente."
        )
    messages = []
    if total != want_total:
        if total == channels:
            messages.append("o total tem só 1 número por canal; são 4 (γ, β, média e "
                            "variância móveis).")
        elif total == 2 * channels:
            messages.append("o total conta só γ e β; as médias e variâncias móveis também "
                            "são parâmetros (não treináveis).")
        else:
            messages.append(f"o total {total} não bate com 4 números por canal em cada uma "
                            f"das {layers} camadas BatchNormalization.")
    if trainable != want_trainable:
        if trainable == channels:
            messages.append("os treináveis são 2 por canal (γ e β), não 1.")
        else:
            messages.append(f"os treináveis, {trainable}, não batem com 2 números por canal "
                            f"(γ e β) em cada uma das {layers} camadas.")
    return where + " ".join(messages)


def _check_bn_params(bn_params: Any) -> str:
    """``bn_params(filters) -> (total, trainable)`` of the BN layers of ``build_vgg_style``."""
    from course_utils.models import build_vgg_style

    if isinstance(bn_params, (tuple, list)):
        raise WrongAnswer(
            "a resposta é uma função bn_params(filters), não um par de números: ela precisa "
            "valer para qualquer lista de filtros, não só para o modelo do resumo acima."
        )
    answers = {}
    for filters in EX3_FILTERS:
        got = _bn_pair(call_student(bn_params, filters))
        answers[filters] = got
        want = bn_parameter_count(build_vgg_style(filters=filters, batch_norm=True))
        if got == want:
            continue
        first = answers[EX3_FILTERS[0]]
        if filters != EX3_FILTERS[0] and got == first:
            raise WrongAnswer(
                f"com filters={filters} sua função devolveu {got}, o mesmo que para "
                f"{EX3_FILTERS[0]}: o resultado não depende de filters (copiou o resumo do "
                "modelo acima?). Conte a partir do argumento."
            )
        raise WrongAnswer(_bn_slip(got, want, filters))
    total, trainable = answers[FULL_FILTERS]
    return (f"com FULL_FILTERS, as camadas BatchNormalization têm {total} parâmetros "
            f"({trainable} treináveis), como diz count_params do Keras; e a conta vale para "
            f"os outros {len(EX3_FILTERS) - 1} modelos testados.")


ex3 = Exercise(
    key="10/ex3",
    checker=_check_bn_params,
    hint=[
        (
            "Conte quantas camadas BatchNormalization o modelo tem e quantos canais cada uma "
            "normaliza: cada bloco (um número de filters) tem duas convoluções, cada uma "
            "seguida da sua camada de BN."
        ),
        (
            "Quais pesos de uma camada de normalização em lote o gradiente muda, e quais ela "
            "só acompanha durante o treino? A lista de pesos do Keras impressa na seção das "
            "estatísticas móveis mostra todos eles."
        ),
    ],
)
